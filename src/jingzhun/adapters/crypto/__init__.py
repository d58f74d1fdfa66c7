"""National cryptography behind small interfaces (SM3 now; SM4 at rest comes with the security issue)."""
