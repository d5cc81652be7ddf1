"""Indeks Kepuasan Masyarakat (IKM) as PermenPANRB No. 14 Tahun 2017 prescribes.

Per element U1..U9: NRR = total score / number of answers; weighted NRR = NRR × (1 / number of
elements); IKM = Σ weighted NRR (1..4); converted IKM = IKM × 25 (25..100); the grade from the
converted value: 25.00–64.99 D (Tidak Baik), 65.00–76.60 C (Kurang Baik), 76.61–88.30 B (Baik),
88.31–100.00 A (Sangat Baik). The regulation's weight 1/9 ≈ 0.111 is used exactly (1/n).
Questions without an element (extra questions such as corruption perception) are not part of IKM.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from app.core.errors import N_

ELEMENT_NAMES = {  # Indonesian source names, translated where shown
    "U1": N_("Persyaratan"), "U2": N_("Sistem, Mekanisme, dan Prosedur"), "U3": N_("Waktu Penyelesaian"),
    "U4": N_("Biaya/Tarif"), "U5": N_("Produk Spesifikasi Jenis Pelayanan"), "U6": N_("Kompetensi Pelaksana"),
    "U7": N_("Perilaku Pelaksana"), "U8": N_("Penanganan Pengaduan, Saran dan Masukan"),
    "U9": N_("Sarana dan Prasarana"),
}
GRADES = (  # (lowest converted value, grade, quality)
    (88.31, "A", N_("Sangat Baik")),
    (76.61, "B", N_("Baik")),
    (65.00, "C", N_("Kurang Baik")),
    (25.00, "D", N_("Tidak Baik")),
)


@dataclass
class ElementResult:
    element: str
    name: str
    total: int
    answers: int
    nrr: float
    weighted: float


@dataclass
class IkmResult:
    respondents: int
    elements: list[ElementResult] = field(default_factory=list)
    ikm: float | None = None            # 1..4
    converted: float | None = None      # 25..100
    grade: str | None = None            # A..D
    quality: str | None = None


def grade_of(converted: float) -> tuple[str, str]:
    value = round(converted, 2)
    for lowest, grade, quality in GRADES:
        if value >= lowest:
            return grade, quality
    return "D", "Tidak Baik"


def question_elements(survey_spec: Mapping) -> dict[str, str]:
    """question key → element (U1..U9), for the questions that have one."""
    return {q["key"]: q["element"] for q in survey_spec.get("questions", []) if q.get("element")}


def compute_ikm(responses: Iterable[Mapping[str, int]], elements_of: Mapping[str, str]) -> IkmResult:
    """``responses``: each respondent's answers {question key: score 1..4}; ``elements_of``: question
    key → element. Several questions on one element are pooled into that element's NRR."""
    totals: dict[str, int] = {}
    counts: dict[str, int] = {}
    respondents = 0
    for answers in responses:
        respondents += 1
        for key, score in (answers or {}).items():
            element = elements_of.get(key)
            if element is None or score in (None, ""):
                continue
            totals[element] = totals.get(element, 0) + int(score)
            counts[element] = counts.get(element, 0) + 1
    result = IkmResult(respondents=respondents)
    present = sorted(e for e in totals if counts[e])
    if not present:
        return result
    weight = 1 / len(present)
    for element in sorted(present, key=lambda e: int(e[1:])):
        nrr = totals[element] / counts[element]
        result.elements.append(ElementResult(element, ELEMENT_NAMES.get(element, element), totals[element],
                                             counts[element], nrr, nrr * weight))
    result.ikm = sum(e.weighted for e in result.elements)
    result.converted = result.ikm * 25
    result.grade, result.quality = grade_of(result.converted)
    return result
