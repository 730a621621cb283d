"""The process singleton every composition root holds its wiring in."""

from __future__ import annotations

from chalicelib.wiring.singleton import ProcessSingleton


class Builds:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> list[int]:
        self.count += 1
        return [self.count]


def test_nothing_is_built_until_the_first_get() -> None:
    build = Builds()
    ProcessSingleton(build)
    assert build.count == 0


def test_the_first_get_builds_and_later_gets_return_the_same_object() -> None:
    build = Builds()
    one = ProcessSingleton(build)
    first = one.get()
    assert one.get() is first
    assert build.count == 1


def test_a_set_value_is_returned_without_building() -> None:
    build = Builds()
    one = ProcessSingleton(build)
    injected = [42]
    one.set(injected)
    assert one.get() is injected
    assert build.count == 0


def test_setting_none_makes_the_next_get_build_again() -> None:
    build = Builds()
    one = ProcessSingleton(build)
    one.get()
    one.set(None)
    assert one.get() == [2]
