"""nncli.activations.doubledouble: the written-out constant tables are what its decimal arithmetic computes,
and the plain float64 normal tail (float32 GELU's) agrees with the double-double one."""

import numpy as np

from nncli.activations import doubledouble


def test_exp_tables_match_their_computation():
    written = doubledouble._exp_tables()
    computed = doubledouble.compute_exp_tables()
    assert written[:3] == computed[:3]
    np.testing.assert_array_equal(written[3], computed[3])
    np.testing.assert_array_equal(written[4], computed[4])


def test_plain_normal_tail_is_within_1e_10_of_the_double_double_one():
    rng = np.random.default_rng(4)
    a = np.concatenate([np.linspace(0, 40, 40001), rng.uniform(0, 16, 20000),
                        np.arange(0, 129) / 16]).astype(np.float32).astype(np.float64)  # nodes and midpoints
    hi, lo = doubledouble.normal_tail_dd(a)
    got = doubledouble.normal_tail(a)
    normal = hi > 1e-300  # below, Q itself is subnormal in float64 (and 0 in float32)
    rel = np.abs((got[normal] - hi[normal]) - lo[normal]) / hi[normal]
    assert rel.max() < 1e-10
