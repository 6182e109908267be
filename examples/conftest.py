# SPDX-License-Identifier: GPL-2.0-only
# libmm.testing's fixtures (machine, make_machine) for the examples' tests,
# the way a user's suite gets them.
pytest_plugins = ["libmm.testing"]
