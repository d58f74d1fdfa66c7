import pytest

from jingzhun.domain.features import FEATURES
from jingzhun.domain.rules import Call, Const, Name, Op, evaluate, names_in, to_sql
from jingzhun.policy.expressions import ExpressionError, check_names, check_reason, parse_condition, to_text

KINDS = {f.name: "bool" if f.kind == "bool" else "int" for f in FEATURES} | {
    "monitoring_threshold_fen": "int",
    "income_drop_percent": "int",
}


def test_parses_the_threshold_rule_into_the_domain_tree():
    expr = parse_condition("net_income_fen < monitoring_threshold_fen * members", "R")
    assert expr == Call(
        Op.LT, (Name("net_income_fen"), Call(Op.MUL, (Name("monitoring_threshold_fen"), Name("members"))))
    )


@pytest.mark.parametrize(
    "text",
    [
        "NOT alleviated AND (a + b) * 2 >= -c - 1",
        "a IS NULL OR b IS NOT NULL",
        "COALESCE(a, 0) + GREATEST(b, c, 1) - LEAST(d, 2) <> 0",
        "a = TRUE OR b != FALSE OR c = NULL",
        "a OR b AND c",
        "(a OR b) AND NOT c",
        "a - (b - c) = a - b - c",
        "a - -1 > 0",
    ],
)
def test_readable_text_parses_back_to_the_same_tree(text):
    expr = parse_condition(text, "R")
    assert parse_condition(to_text(expr), "R") == expr


def test_unary_minus_on_a_literal_is_a_negative_constant():
    assert parse_condition("a > -5", "R") == Call(Op.GT, (Name("a"), Const(-5)))


def test_sql_output_quotes_names_and_casts_literals():
    assert to_sql(parse_condition("members >= 2", "R")) == '("members" >= CAST(2 AS BIGINT))'


def test_is_not_null_keeps_sql_semantics():
    expr = parse_condition("net_income_fen IS NOT NULL AND net_income_fen < 5", "R")
    assert evaluate(expr, {"net_income_fen": None}) is False
    assert evaluate(expr, {"net_income_fen": 4}) is True


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("1=1; DROP TABLE members", ";"),
        ("(SELECT 1)", "SELECT"),
        ("read_csv('x')", "'"),
        ("read_csv(x)", "READ_CSV"),
        ('"members"; --', '"'),
        ("'a' = 'a'", "'"),
        ("members / 0", "/"),
        ("exists(SELECT 1)", "EXISTS"),
        ("system('ls')", "'"),
        ("system(x)", "system"),
        ("members -- comment", "--"),
        ("members /* c */ > 1", "/"),
        ("members::int > 1", ":"),
        ("t.members > 1", "."),
        ("members > 1.5", "."),
        ("members IN (1, 2)", "IN"),
        ("members BETWEEN 1 AND 2", "BETWEEN"),
        ("alleviated IS TRUE", "IS TRUE"),
        ("members > $1", "$"),
        ("members > ?", "?"),
        ("CAST(members AS INT) > 1", "CAST"),
        ("members > 99999999999999999999999", "99999999999999999999999"),
        ("COALESCE(members)", "COALESCE"),
        ("members AS m", "AS"),
    ],
)
def test_rejects_everything_outside_the_grammar(text, token):
    with pytest.raises(ExpressionError) as e:
        parse_condition(text, "MY_RULE")
    assert e.value.code == "RULE_EXPRESSION"
    assert "MY_RULE" in e.value.message
    assert token in e.value.message


@pytest.mark.parametrize("text", ["", "   ", "a =", "(a", "a AND"])
def test_rejects_empty_or_incomplete_conditions(text):
    with pytest.raises(ExpressionError) as e:
        parse_condition(text, "R")
    assert e.value.code == "RULE_EXPRESSION"


def test_unknown_name_lists_the_allowed_names():
    expr = parse_condition("net_income_fen < x", "R")
    with pytest.raises(ExpressionError) as e:
        check_names(expr, "R", KINDS)
    assert e.value.code == "RULE_UNKNOWN_NAME"
    assert "x" in e.value.message and "monitoring_threshold_fen" in e.value.message and "members" in e.value.message


@pytest.mark.parametrize(
    "text",
    ["members", "members AND alleviated", "alleviated + 1 > 0", "alleviated < members", "GREATEST(alleviated, TRUE)"],
)
def test_type_check_catches_numbers_used_as_conditions_and_vice_versa(text):
    with pytest.raises(ExpressionError) as e:
        check_names(parse_condition(text, "R"), "R", KINDS)
    assert e.value.code == "RULE_EXPRESSION"


def test_boolean_features_may_be_compared_for_equality():
    tree = parse_condition("alleviated = FALSE AND housing_unsafe", "R")
    check_names(tree, "R", KINDS)  # raises if refused
    assert names_in(tree) == {"alleviated", "housing_unsafe"}


def test_reason_placeholders_must_be_known_names_or_yuan_views_of_fen_names():
    names = set(KINDS)
    check_reason("人均 {per_capita_income_yuan} 元 < {monitoring_threshold_yuan} 元，{members} 人", "R", names)
    for bad in ("{nope}", "{members_yuan}", "{members:>5}", "{members!r}", "{}", "{members", "{a.b}"):
        with pytest.raises(ExpressionError):
            check_reason(f"x {bad}", "R", names)
