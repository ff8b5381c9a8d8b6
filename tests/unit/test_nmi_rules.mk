UNIT_TESTS += test_nmi_rules
test_nmi_rules_SRCS :=
