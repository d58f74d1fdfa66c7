"""A shipped workflow's content never changes under the same version.

Cases store the key (``id@scope@version``) of the procedure they were opened under and keep
following it (decision 0006), so editing a shipped file without a new version would silently
change the rules of running cases. This test pins each released key's content hash: a change
of content must come with a new version (add the new key here; never edit an old line).
"""

from __future__ import annotations

from jingzhun.policy.workflow_registry import shipped_workflow_list

RELEASED = {
    # elimination@cn@2024.1 was withdrawn unused, not superseded: no release could start it (no
    # service resolved the elimination workflow before issue 7), so no case was ever opened under it.
    "elimination@cn@2026.1": "4e43ad921ca8eb4e9e8efe55ff27f63568f853f21eaec873060e90c6fdb0c531",
    "identification@cn@2024.1": "256949d10f9948ff8d96bb8eb3ce02e51f811f4fece74528bbfd76cda619078e",
    "identification@34@2024.1": "c413095fb91d0332be00c3ca6e08b0d88098c35e31928ade4c760aa667140de0",
    "identification@46@2024.1": "84009363e9ae0b80893f43ac9c892a0cc6d516d06ebd83a523ed95cc2a9db963",
}


def test_every_released_key_is_still_shipped_with_the_same_content():
    shipped = {w.key: w.content_hash for w in shipped_workflow_list()}
    changed = {k: h for k, h in RELEASED.items() if shipped.get(k) != h}
    assert changed == {}, "a released workflow changed or vanished: give the new content a new version"


def test_every_shipped_key_is_released():
    unreleased = sorted({w.key for w in shipped_workflow_list()} - set(RELEASED))
    assert unreleased == [], "add the new workflow version to RELEASED once it is final"
