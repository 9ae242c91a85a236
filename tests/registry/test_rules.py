"""The registry's rejection reasons in Kazakh and Russian, from the catalogs."""

from __future__ import annotations

from osms.registry import rules


def test_every_reason_has_a_kazakh_and_a_russian_sentence() -> None:
    for code, english in rules.REASONS.items():
        assert rules.reason(code) == english
        sentences = {rules.reason(code, lang) for lang in ("kk", "ru")}
        assert english not in sentences and len(sentences) == 2, code
    assert rules.reason("unknown_person", "ru") == "ИИН отсутствует в регистре физических лиц"
    assert rules.reason("self_link", "kk") == "адам өзінің туысы бола алмайды"
    assert rules.reason("no_such_code", "kk") == "no_such_code"
