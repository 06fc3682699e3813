"""The classifier against the labelled Sisimai corpus, read in place (`corpus_dir` fixture).

Floors (see `classify.evaluate` for the label mapping and the exact definitions):
- kind accuracy >= 95 % over the `bsd` + `not` groups;
- recipient accuracy >= 98 %: the first recipient we report is in the label's `rcpt_accept`
  list, or both are empty;
- every `dos` (CRLF) and `mac` (CR-only) file gives exactly the verdict of its `bsd` twin.
"""

from __future__ import annotations

from pathlib import Path

from facturier.returns.classify import classify
from facturier.returns.classify.evaluate import Score, load_labels

KIND_FLOOR = 0.95
RCPT_FLOOR = 0.98


def test_kind_and_recipient_accuracy_on_the_labelled_corpus(corpus_dir: Path) -> None:
    score = Score("facturier")
    for label in load_labels(corpus_dir, ("bsd", "not")):
        v = classify((corpus_dir / str(label["file"])).read_bytes())
        score.add(label, v.kind, v.rcpt)
    assert score.total >= 600
    report = f"\n{score.confusion_table()}\n" + "\n".join(score.misses)
    assert score.kind_accuracy >= KIND_FLOOR, f"kind accuracy {score.kind_accuracy:.3f}{report}"
    assert score.rcpt_accuracy >= RCPT_FLOOR, f"recipient accuracy {score.rcpt_accuracy:.3f}{report}"


def test_crlf_and_cr_only_twins_classify_exactly_like_their_lf_original(corpus_dir: Path) -> None:
    twins = load_labels(corpus_dir, ("dos", "mac"))
    assert twins
    differ = [
        str(label["file"])
        for label in twins
        if classify((corpus_dir / str(label["file"])).read_bytes())
        != classify((corpus_dir / str(label["variant_of"])).read_bytes())
    ]
    assert not differ


def test_every_corpus_file_classifies_without_falling_back_to_unknown(corpus_dir: Path) -> None:
    # The corpus holds only returned mail: "unknown" there means a reader gave up (or raised,
    # which classify() turns into unknown).
    unknown = [
        str(label["file"])
        for label in load_labels(corpus_dir, ("bsd",))
        if classify((corpus_dir / str(label["file"])).read_bytes()).kind == "unknown"
    ]
    assert not unknown
