"""Tests for synth.draw: keyed randomness is stable, independent per key, and ids are unique."""

from migc.sandbox.synth.draw import Draw, key_for, mix64, scramble40, stream_key, unit


def test_same_key_same_draws() -> None:
    first, second = Draw(7, 11, 3), Draw(7, 11, 3)
    assert [first.below(1000) for _ in range(20)] == [second.below(1000) for _ in range(20)]


def test_keys_differ_by_seed_stream_and_index() -> None:
    keys = {key_for(seed, stream, index) for seed in range(3) for stream in range(3) for index in range(50)}
    assert len(keys) == 3 * 3 * 50


def test_stream_key_is_stable_across_processes() -> None:
    # FNV-1a of the UTF-8 bytes, not Python's salted hash(): this value must never change.
    assert stream_key("netmera.User") == stream_key("netmera.User")
    assert stream_key("") == 0xCBF29CE484222325
    assert stream_key("a") == 0xAF63DC4C8601EC8C


def test_mix64_is_a_bijection_on_a_sample() -> None:
    values = [mix64(value) for value in range(10_000)]
    assert len(set(values)) == len(values)
    assert all(0 <= value < 1 << 64 for value in values)


def test_scramble40_is_unique_and_in_range() -> None:
    values = [scramble40(5, 9, index) for index in range(50_000)]
    assert len(set(values)) == len(values)
    assert all(0 <= value < 1 << 40 for value in values)
    assert values[:5] != sorted(values[:5]) or values[5:10] != sorted(values[5:10])


def test_unit_is_uniform_enough() -> None:
    values = [unit(1, 2, index) for index in range(20_000)]
    assert all(0.0 <= value < 1.0 for value in values)
    assert 0.48 < sum(values) / len(values) < 0.52
    assert 0.09 < sum(value < 0.1 for value in values) / len(values) < 0.11


def test_draw_helpers_stay_in_their_ranges() -> None:
    draw = Draw(1, 2, 3)
    for _ in range(2000):
        assert 0 <= draw.below(7) < 7
        assert 3 <= draw.between(3, 5) <= 5
        assert draw.pick("abc") in "abc"
        assert draw.weighted((("x", 1), ("y", 0))) == "x"
        assert 0 <= draw.skewed(10, 3) < 10
    assert len(draw.digits(9)) == 9 and draw.digits(9).isdigit()
    assert len(draw.hex(16)) == 16
    assert sorted(draw.sample(range(5), 9)) == [0, 1, 2, 3, 4]


def test_between_reaches_both_ends() -> None:
    draw = Draw(0, 0, 0)
    seen = {draw.between(1, 3) for _ in range(300)}
    assert seen == {1, 2, 3}


def test_spread_gives_the_first_records_each_option_in_turn_then_draws_by_weight() -> None:
    options = (("common", 97), ("rare", 2), ("rarer", 1))
    assert [Draw(7, 11, index).spread(index, options) for index in range(3)] == ["common", "rare", "rarer"]
    for index in range(3, 200):
        assert Draw(7, 11, index).spread(index, options) == Draw(7, 11, index).weighted(options)
    # The option's draw is made either way: the record's later draws do not shift.
    spread, weighted = Draw(7, 11, 1), Draw(7, 11, 1)
    assert spread.spread(1, options) == "rare" and weighted.weighted(options) == "common"
    assert spread.uniform() == weighted.uniform()
