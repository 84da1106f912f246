"""The constant tables written out in nncli/_precise.py are the ones its decimal arithmetic computes."""

import numpy as np

from nncli import _precise


def test_exp_tables_match_their_computation():
    written = _precise._exp_tables()
    computed = _precise.compute_exp_tables()
    assert written[:3] == computed[:3]
    np.testing.assert_array_equal(written[3], computed[3])
    np.testing.assert_array_equal(written[4], computed[4])
