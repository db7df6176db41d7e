"""A formula's verdict, marks and feedback from what its check found."""

from __future__ import annotations

from dataclasses import replace

from grader.kinds.formula.check import FINDINGS, FormulaCheck
from grader.kinds.formula.mathml import formula_to_mathml
from grader.kinds.formula.matrix_form import scaled_name
from grader.kinds.formula.terms import Formula, GivenMatrices, ScaledGiven
from grader.model import Item, ItemResult
from grader.score import earned, sent_for_review, text_group, verdict_for

# Why a formula with a finding goes to a person, for the decision trail.
_REVIEW_BECAUSE = {
    "fractional_index": "not whole at the sizes checked",
    "range_unknown": "a range not written and not settled by the question",
    "window_offset": "a window anchored elsewhere, which the rubric gives no marks for",
    "term_outside": "a term that reads only outside the input, which the rubric gives no marks for",
    "index_base": "counted from the other base than the question's, its window moved besides",
}


def _layout_message(relayout: tuple[tuple[str, str, str, str], ...]) -> tuple[str, str]:
    """What a formula needs of the weights it lays out otherwise than the reference, from the
    shapes: "Your formula needs W to be D×C, where the answer's W is C×D." (it may not
    write W transposed: `Y = XW` for the reference `Y = XWᵀ` needs W C×D), and their names,
    each as the formula writes it (W) and the answer's as the answer does (w)."""
    needs = " and ".join(f"{written} to be {needed}" for _, needed, _, written in relayout)
    theirs = " and ".join(
        f"{name} is {shape}" if k else f"the answer's {name} is {shape}"
        for k, (name, _, shape, _) in enumerate(relayout)
    )
    which = " and ".join(written for *_, written in relayout)
    return f"Your formula needs {needs}, where {theirs}.", which


@FINDINGS.produces("layout")
def score_layout(
    result: ItemResult, relayout: tuple[tuple[str, str, str, str], ...], credit: float | None
) -> ItemResult:
    """`result`, which rests on reading weights the reference names in the other layout
    (`Y = XWᵀ` for `Y = XW`): the rubric's `partial_credit: {layout: N}` where that reading
    is right (`credit`), as `window_offset`'s is; otherwise sent to a person, saying what the
    reading would earn. The rubric does not say whether the question leaves their layout to
    the student (`matrices: {W: any}`) or fixes it (`{W: [C, D]}`; a given gradient G is not
    the student's to lay out). A reading that is also wrong otherwise is a person's to mark."""
    shapes, which = _layout_message(relayout)
    if credit is not None and result.verdict == "correct":
        finding = FINDINGS.make(
            "layout", f"{shapes} Read with {which} stored that way, it defines the right layer."
        )
        return replace(
            result,
            verdict=verdict_for(credit, result.max_marks),
            marks=credit,
            feedback=(finding.message,),
            diagnosis=finding.kind,
            decision=(
                *result.decision[:1],
                f"{which} in the reference's other layout: the rubric's layout credit",
                f"marks {credit:g}",
            ),
        )
    finding = FINDINGS.make(
        "layout",
        f"{shapes} Read with {which} stored that way, {_earned(result)}; whether the question "
        f"lets {which} be stored so is an instructor's call.",
    )
    because = f"{which} in the reference's other layout, which the rubric does not settle"
    return sent_for_review(result, finding.message, because, finding.kind)


def _earned(result: ItemResult) -> str:
    """What a reading the grader cannot settle alone would earn, in words."""
    return earned(result, "it defines the right layer")


def _listed(matrices: tuple[tuple[str, str], ...]) -> str:
    return " and ".join(f"{name} ({shape})" if shape else name for name, shape in matrices)


@FINDINGS.produces("given_matrix")
def given_matrix_review(result: ItemResult, matrices: GivenMatrices) -> ItemResult:
    """`result`, which rests on reading matrices the reference does not name as the student's
    own parameters where the question gives others (`U = XᵀA` or `U = XᵀG + XᵀA` where G is
    given), sent to a person: as a parameter, A may be any matrix, whatever the question
    gives. Likewise a matrix the question gives for something else (`matrices: {W_V: other}`;
    `given` empty where the reference names none: attn-q1's W_V in the queries' formula)."""
    names = " and ".join(name for name, _ in matrices.others)
    given = " and ".join(name for name, _ in matrices.given)
    own = "a matrix of its own" if len(matrices.others) == 1 else "matrices of their own"
    if not matrices.given:  # the question's for something else (attn-q1's W_V, b_V)
        uses = f"{_listed(matrices.others)}, which the question gives for something else"
        call = f"whether {names} may be there"
        # a bias (b_V) may be among them: no matrix
        own = "a parameter of its own" if len(matrices.others) == 1 else "parameters of their own"
    elif matrices.left_out:
        uses = f"{_listed(matrices.others)} where the question gives {_listed(matrices.given)}"
        call = f"whether {names} may stand for {given}"
    else:
        uses = f"{_listed(matrices.others)} besides the question's {_listed(matrices.given)}"
        call = f"whether {names} may be there"
    finding = FINDINGS.make(
        "given_matrix",
        f"Your formula uses {uses}. Read with {names} as {own}, {_earned(result)}; {call} is "
        "an instructor's call.",
    )
    because = (
        f"{names}, which the question gives for something else"
        if not matrices.given
        else f"{names} {'where' if matrices.left_out else 'besides'} the question's {given}"
    )
    return sent_for_review(result, finding.message, because, finding.kind)


def chain_review(result: ItemResult, formula: Formula, apart) -> ItemResult:
    """`result`, the grade of the last side of a chain of working whose `apart` sides
    (`check.chain_sides_apart`) are not shown to define its layer, sent to a person, saying
    which sides: which of them the student means is not the machine's guess."""
    last = " ".join(formula.chain_sides[-1].text.split())
    others = " and ".join(" ".join(side.text.split()) for side, _ in apart)
    differ = all(same is False for _, same in apart)
    how = (
        "which define different layers"
        if differ
        else "which the grader cannot show to define the same layer"
    )
    because = "the sides of the chain of working " + ("differ" if differ else "not compared")
    written = f"Your chain of working writes the layer as {others} and as {last}, {how}"
    if result.verdict == "needs_review":  # its last side goes to a person already: said first
        return replace(
            result,
            feedback=(f"{written}; which one you mean is an instructor's call.", *result.feedback),
            decision=(*result.decision, f"{because}: sent for review"),
        )
    message = (
        f"{written}; read as its last side, {_earned(result)}; which one you mean is an "
        "instructor's call."
    )
    return sent_for_review(result, message, because)


@FINDINGS.produces("given_scaled")
def score_given_scaled(
    result: ItemResult, scaled: tuple[ScaledGiven, ...], credit: float | None
) -> ItemResult:
    """`result`, which the comparison of layers reached taking a matrix the question gives as
    a weight (up to its values), where the formula multiplies it by another number than the
    reference (`U = 2XᵀG` for `U = XᵀG`): 2·G is not G, so not the layer asked for. Where the
    rest is right, it earns the rubric's `partial_credit: {given_scaled: N}`, else 0; where
    the rest is wrong too, 0 (two things wrong), with what else is wrong after it."""
    said = []
    for one in scaled:
        yours, answers = scaled_name(one.yours, one.name), scaled_name(one.answers, one.name)
        has = " has" if one.terms == 1 else f"'s terms in {one.name} add up to"
        said.append(
            f"Your formula{has} {yours} where the answer has {answers}: {one.name} is the "
            f"question's {one.shape} matrix, not one of your own, so {yours} is not {answers}."
        )
    names = " and ".join(one.name for one in scaled)
    right = result.verdict == "correct"
    if right:  # a right reading has nothing else to say (as `score_layout`)
        theirs = " and ".join(scaled_name(one.answers, one.name) for one in scaled)
        said[-1] += f" With {theirs} as the answer has it, your formula defines the right layer."
    marks = (credit or 0.0) if right else 0.0
    finding = FINDINGS.make("given_scaled", said[0])
    return replace(
        result,
        verdict=verdict_for(marks, result.max_marks),
        marks=marks,
        feedback=(*said, *(() if right else result.feedback)),
        diagnosis=finding.kind,
        decision=(
            *result.decision[:1],
            f"{names} times another number than the answer's: not the question's matrix",
            f"marks {marks:g}",
        ),
    )


def _review_because(check: FormulaCheck) -> str:
    """Why a check with findings is a person's to mark: its first finding that sends one."""
    return next(
        (_REVIEW_BECAUSE[f.kind] for f in check.findings if f.kind in _REVIEW_BECAUSE),
        "left to a person",
    )


def score_formula(item: Item, formula: Formula, check: FormulaCheck) -> ItemResult:
    """Marks for a formula: full when it defines the reference's layer, else what the
    misconception or the one diagnosis found earns; findings say what differs, in words."""
    common = {
        "item_id": item.id,
        "max_marks": item.marks,
        "answer": formula.text,
        "interpretation": formula.reading,
        "reading_mathml": formula_to_mathml(formula),
        "answer_group": check.group or text_group(formula.text),
        "count_values": check.own_count.effective if check.own_count else None,
        "nominal_values": check.own_count.nominal if check.own_count else None,
        "count_shown": check.own_count.shown if check.own_count else None,
        "nominal_shown": check.own_count.nominal_shown if check.own_count else None,
        "reading_notes": check.reading_notes,
    }
    read = f"read as {formula.reading}"
    if not check.exact and check.findings:
        return ItemResult(
            verdict="needs_review",
            marks=0.0,
            feedback=(
                *(finding.message for finding in check.findings),
                "An instructor will review it.",
                *check.notes,
            ),
            diagnosis=check.findings[0].kind,
            decision=(read, f"{_review_because(check)}: sent for review"),
            **common,
        )
    if not check.exact:
        return ItemResult(
            verdict="needs_review",
            marks=0.0,
            feedback=(
                "Your formula combines weights in a way the grader cannot compare exactly "
                "(a product of two weights, or weights that overlap); an instructor will "
                "review it.",
                *check.notes,
            ),
            decision=(read, "not comparable exactly: sent for review"),
            **common,
        )
    if check.equivalent:
        return ItemResult(
            verdict="correct",
            marks=item.marks,
            feedback=("Correct: your formula defines the same layer.", *check.notes),
            decision=(read, "same layer as the reference", f"full marks {item.marks:g}"),
            **common,
        )
    feedback = [finding.message for finding in check.findings]
    kinds = sorted({finding.kind for finding in check.findings})
    if check.misconception is not None:
        feedback.insert(0, check.misconception.feedback)
        marks = check.misconception.marks
        diagnosis = f"misconception {check.misconception_index + 1}"
        because = f"same layer as misconception {check.misconception_index + 1}"
    else:
        # Partial credit only when one thing is wrong: two findings may each be worth marks,
        # but the answer they describe together is not.
        marks = item.partial_credit.get(kinds[0], 0.0) if len(kinds) == 1 else 0.0
        if kinds == ["bias_shared"] and check.bias_merged:
            # One bias shared where each output needs its own is there but too coarse: a marker
            # gives it at least what leaving the bias out earns.
            marks = max(marks, item.partial_credit.get("bias_missing", 0.0))
        diagnosis = check.findings[0].kind if check.findings else None  # the main finding
        because = f"differs: {', '.join(kinds)}"
    return ItemResult(
        verdict=verdict_for(marks, item.marks),
        marks=marks,
        feedback=(*feedback, *check.notes),
        diagnosis=diagnosis,
        decision=(read, "not the reference's layer", because, f"marks {marks:g}"),
        **common,
    )
