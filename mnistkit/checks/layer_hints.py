"""What is wrong with the order of a learner's layers, said in the tutorial's terms (steps 3, 4).

When a model's layers differ from the tutorial's (`mnistkit.checks.tutorial_model.tutorial_plan`),
the message puts the likely mistake first and shows only the part that differs: the whole two
chains of up to 13 layers would bury it. `difference_hint` names the first difference (a missing,
extra, misplaced or swapped layer), `activation_layer_hint` what misplaced activation layers say
about the model, and `first_difference` the first layer that differs.
"""

from __future__ import annotations

import difflib
from collections import Counter

from mnistkit.activations import LINEAR
from mnistkit.checks.model_description import LayerInfo, ModelInfo
from mnistkit.checks.tutorial_model import Planned

ORDINALS = ["first", "second", "third", "fourth"]


def ordinal_label(plan: list[Planned], index: int) -> str:
    """'the second Dropout(0.5)' when the plan has several of that kind, else 'Dropout(0.5)'."""
    same = [i for i, p in enumerate(plan) if p.kind == plan[index].kind]
    if len(same) == 1:
        return plan[index].label
    return f"the {ORDINALS[same.index(index)]} {plan[index].label}"


def arrow_chain(kinds: list[str]) -> str:
    """"A → B → C", or "no layers"."""
    return " → ".join(kinds) if kinds else "no layers"


def short_label(label: str) -> str:
    """A tutorial label without its keyword arguments: "Conv2D(32, kernel_size=(3, 3), ...)" → "Conv2D(32)"."""
    depth = 0
    for index, char in enumerate(label):
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 1:
            return label[:index] + ")"
    return label


def shown_layer(layer: LayerInfo) -> str:
    """A learner's layer as the messages name it: "Conv2D(32)", "Dense(10)", "Dropout(0.2)", "ReLU"."""
    number = layer.filters if layer.filters is not None else layer.units if layer.units is not None else layer.rate
    return f"{layer.kind}({number:g})" if number is not None else layer.kind


def tutorial_chain(plan: list[Planned], start: int, stop: int) -> str:
    """The tutorial's layers start..stop (inclusive, clipped to the plan), as "A → B → C", written
    as the tutorial writes them unless that is long (the Conv2D labels are), else shortened."""
    stretch = plan[max(start, 0): stop + 1]
    full = " → ".join(p.label for p in stretch)
    return full if len(full) <= 90 else " → ".join(short_label(p.label) for p in stretch)


def order_hint(got: list[str], plan: list[Planned]) -> str:
    """The model has the tutorial's layers, in another order: name the first misordered stretch."""
    wanted = [p.kind for p in plan]
    first = next(i for i, (g, w) in enumerate(zip(got, wanted)) if g != w)
    # The shortest stretch from `first` that holds the same layers in both: what is out of order.
    last = next(j for j in range(first + 1, len(got)) if Counter(got[first:j + 1]) == Counter(wanted[first:j + 1]))
    mine, theirs = got[first:last + 1], wanted[first:last + 1]
    if len(mine) == 2:
        return (f"{short_label(plan[first].label)} and {short_label(plan[last].label)} are in the wrong order: "
                f"the tutorial has {tutorial_chain(plan, first - 1, last)}")
    if mine[1:] == theirs[:-1]:  # The tutorial's layer `last` comes too early, at `first`.
        return (f"{short_label(plan[last].label)} comes too early (layer {first + 1}): "
                f"the tutorial has {tutorial_chain(plan, last - 1, last + 1)}")
    if mine[:-1] == theirs[1:]:  # The tutorial's layer `first` comes too late, at `last`.
        return (f"{short_label(plan[first].label)} comes too late (layer {last + 1}): "
                f"the tutorial has {tutorial_chain(plan, first - 1, first + 1)}")
    return (f"layers {first + 1} to {last + 1} are {arrow_chain(mine)} where the tutorial has "
            f"{' → '.join(short_label(p.label) for p in plan[first:last + 1])}")


def first_difference(info: ModelInfo, plan: list[Planned]) -> str:
    """Where the layers first differ, e.g. "layer 2: ReLU() expected after Conv2D(32), got MaxPooling2D"."""
    got = info.layers
    index = next((i for i, (layer, p) in enumerate(zip(got, plan)) if layer.kind != p.kind), min(len(got), len(plan)))
    if index >= len(plan):
        return f"layer {index + 1}: the tutorial's model ends after {short_label(plan[-1].label)}, got {shown_layer(got[index])}"
    expected = short_label(plan[index].label) + (f" expected after {short_label(plan[index - 1].label)}" if index else " expected")
    return f"layer {index + 1}: {expected}, got {shown_layer(got[index]) if index < len(got) else 'no layer'}"


def activation_layer_hint(info: ModelInfo, layered: bool) -> str | None:
    """The activation layers are not where the tutorial has them: what that says about the
    model, or None when the model's last layer doesn't tell (then the difference is named)."""
    extra = [layer.kind for layer in info.layers if layer.is_activation_layer]
    if not layered:
        return (f"step 3 gives each activation as a layer argument, e.g. Dense(32, activation='relu'), not as "
                f"separate layers like your {', '.join(extra)} (step 4's style)")
    last = info.layers[-1]
    if not extra and any(layer.activation not in (None, LINEAR) for layer in info.layers):
        return ("activation= arguments are step 3's style: in step 4 each activation is its own layer, "
                "ReLU() after each Conv2D and Dense(32), Softmax() last")
    if last.kind == "Dense":
        return ("the model ends with Dense(num_classes) and no Softmax layer, so it outputs logits, not "
                "probabilities: add Softmax() as the last layer")
    if last.kind == "ReLU":
        return ("relu on the output layer: the last layer must be Softmax(), which turns the class scores "
                "into probabilities; ReLU belongs after the hidden layers only")
    return None


def difference_hint(got: list[str], plan: list[Planned]) -> str:
    """The first difference between the layer kinds, said in the tutorial's terms."""
    wanted = [p.kind for p in plan]
    if Counter(got) == Counter(wanted):  # The same layers, in another order.
        return order_hint(got, plan)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=got, b=wanted, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        after = f"after {plan[j1 - 1].label}" if j1 > 0 else "at the start"
        before = f"before {plan[j2].label}" if j2 < len(plan) else "at the end"
        if tag == "delete":
            return _extra_layer_hint(got, plan, i1, after, before)
        missing = [ordinal_label(plan, j) for j in range(j1, j2)]
        if tag == "insert":
            what = " and ".join(missing)
            if all(got.count(wanted[j]) < wanted.count(wanted[j]) for j in range(j1, j2)):
                return f"{what} {'is' if len(missing) == 1 else 'are'} missing ({after}, {before})"
            return f"{what} {'is' if len(missing) == 1 else 'are'} out of place: the tutorial has {'it' if len(missing) == 1 else 'them'} {after}, {before}"
        return (f"layer {i1 + 1} is {' → '.join(got[i1:i2])} where the tutorial has {' → '.join(missing)} "
                f"({after})")
    return "the layers differ from the tutorial's"  # Not reached: the lists differ somewhere.


def _extra_layer_hint(got: list[str], plan: list[Planned], index: int, after: str, before: str) -> str:
    """Layer `index` of the model has no counterpart there in the tutorial's: extra, or misplaced."""
    extra = got[index]
    planned = [p.label for p in plan if p.kind == extra]
    if len(planned) < got.count(extra):  # Which of several alike layers is extra can't be told: say how many.
        return (f"the model has {got.count(extra)} {extra} layers where the tutorial has {len(planned)} "
                f"({' and '.join(planned)}): remove the extra one")
    if planned:  # As many as the tutorial has: this one is misplaced, not extra.
        return f"layer {index + 1}, {extra}, is out of place: the tutorial has none there ({after}, {before})"
    return f"layer {index + 1}, {extra}, is not in the tutorial's model: remove it"
