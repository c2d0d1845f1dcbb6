"""Checking a learner's Keras model against the tutorial's CNN (steps 3, 4).

`Blueprint` is the tutorial's model in one of its two styles (`layered=False`: step 3,
activations as layer arguments; `layered=True`: step 4, each activation its own layer). Its
`verify(model, upto=...)` runs the checks of `Blueprint.STAGES` in order, coarse to fine, up to
and including `upto`, and raises a `Mistake` at the first problem, so every suite test reports the
first thing to fix rather than a consequence of it. A test whose earlier checks fail is skipped
("not checked yet: first fix ..."), so one mistake counts as one failure, not as every test after it.

The checks read the model as plain data (`mnistkit.checks.model_description`), compare it with the
tutorial's plan (`mnistkit.checks.tutorial_model`) and word a wrong order of layers with
`mnistkit.checks.layer_hints`. `built_once` builds the learner's model once for a suite's tests;
whether it learns is `mnistkit.checks.quick_training`'s to say.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from mnistkit import facts
from mnistkit.activations import ACTIVATION_KINDS, LINEAR, RELU
from mnistkit.checks.layer_hints import activation_layer_hint, difference_hint, first_difference
from mnistkit.checks.messages import Mistake, mistake
from mnistkit.checks.model_description import LayerInfo, ModelInfo, describe_model, format_shape
from mnistkit.checks.tutorial_model import OTHER_CALLS, SHAPE_HINTS, Planned, tutorial_plan, tutorial_summary


def not_checked_yet(reason: str) -> None:
    """Skip the running test: an earlier check, failing in its own test, blocks this one.

    The kit's plugin records the skip as status "skip", which never counts as a pass, so the step
    is not done; but only the real failure is counted and reported as the thing to fix.
    """
    import pytest

    pytest.skip(f"not checked yet: {reason}")


class Blueprint:
    """The tutorial's model in one style, with the ordered checks a learner's model must pass."""

    # The checks, coarse to fine (each is the method check_<stage>), and what each one is about,
    # for the short message of a later test that an earlier failure blocks.
    STAGE_TOPICS = {
        "sequential": "what the function returns", "uncompiled": "returning the model uncompiled",
        "input": "the input shape",
        "layers": "the order of the layers", "filters": "the filter counts", "kernels": "the kernel sizes",
        "pools": "the pool sizes", "dropout": "the dropout rates", "hidden_units": "the hidden Dense layer",
        "output_units": "the output layer's units", "activations": "the activations",
        "probabilities": "the softmax output", "shapes": "the output shapes", "params": "the parameter count",
    }
    STAGES = tuple(STAGE_TOPICS)

    def __init__(self, function_name: str, layered: bool):
        self.function_name = function_name
        self.layered = layered
        # Each other call's outcome, per learner function: a later test that needs it as a
        # prerequisite reads it here instead of building the model again.
        self._other_calls: dict[tuple[Any, str], Mistake | None] = {}

    def called(self, **arguments: Any) -> str:
        return f"{self.function_name}({', '.join(f'{k}={v!r}' for k, v in arguments.items())})"

    # -- running the checks ------------------------------------------------------------------

    def verify(self, model: Any, upto: str, num_classes: int = facts.NUM_CLASSES, called: str | None = None,
               prerequisite: bool = False) -> ModelInfo | None:
        """Run the checks in STAGES order up to and including `upto`; raise a Mistake at the first problem.

        The check of `upto` itself fails with its full message; an earlier check that fails skips
        the test with a short line saying what blocks it (its own test gives the full message).
        As a `prerequisite` of a later test, every check that fails only skips the test.
        """
        if upto not in self.STAGES:
            raise ValueError(f"unknown stage {upto!r}; the stages are {self.STAGES}")
        called = called or self.called()
        plan = tutorial_plan(self.layered, num_classes)
        info = None
        for stage in self.STAGES[: self.STAGES.index(upto) + 1]:
            try:
                if stage in ("sequential", "uncompiled"):
                    getattr(self, f"check_{stage}")(model, called)
                    continue
                if info is None:
                    info = describe_model(model)
                if stage == "probabilities":
                    self.check_probabilities(model, info, called)
                else:
                    getattr(self, f"check_{stage}")(info, plan, called)
            except Mistake:
                if stage == upto and not prerequisite:
                    raise
                not_checked_yet(f"first fix {self.STAGE_TOPICS[stage]} (see the failure above)")
        return info

    # -- the checks, coarse to fine ----------------------------------------------------------

    def check_sequential(self, model: Any, called: str) -> None:
        import keras

        if model is None:
            raise Mistake(f"{called} returned None, expected a keras.Sequential model: did you forget the `return` statement?")
        if isinstance(model, keras.Sequential):
            return
        if isinstance(model, keras.Model):
            raise mistake(called, "a keras.Sequential model", "a functional keras.Model",
                          "this step builds the model with keras.Sequential([...]), a plain stack of layers; "
                          "the functional API (keras.Model(inputs, outputs)) comes in a later tutorial")
        raise mistake(called, "a keras.Sequential model", f"a {type(model).__name__}",
                      "put the layers in a list and return keras.Sequential([...]) itself")

    def check_uncompiled(self, model: Any, called: str) -> None:
        try:
            compiled = bool(model.get_compile_config())  # None until model.compile(...) is called.
        except (AttributeError, TypeError, ValueError):
            compiled = getattr(model, "optimizer", None) is not None
        if compiled:
            raise mistake(called, "an uncompiled model", "a compiled model",
                          "return the model without calling model.compile(...): compiling (loss, optimizer, metrics) "
                          "is step 5's job")

    def check_input(self, info: ModelInfo, plan: list[Planned], called: str) -> None:
        if info.input_shape is None:
            raise mistake(called, "a model that knows its input shape", "a model without an input shape",
                          "Keras can't build it or count its parameters: "
                          + ("start the list with keras.Input(shape=input_shape)" if self.layered else
                             "give the first Conv2D input_shape=input_shape (or start the list with "
                             "keras.Input(shape=input_shape))"))

    def check_layers(self, info: ModelInfo, plan: list[Planned], called: str) -> None:
        got, wanted = info.kinds, [p.kind for p in plan]
        if got == wanted:
            return
        # The message puts the likely mistake first and shows only the part that differs: the
        # whole two chains of up to 13 layers would bury it.
        # Without their activation layers, do the two models agree? Then only the activations are misplaced.
        core_got = [layer.kind for layer in info.layers if not layer.is_activation_layer]
        core_plan = [p for p in plan if p.kind not in ACTIVATION_KINDS.values()]
        core_agrees = core_got == [p.kind for p in core_plan]
        args_only = self.layered and not any(layer.is_activation_layer for layer in info.layers) and \
            any(layer.activation not in (None, LINEAR) for layer in info.layers)
        hint = activation_layer_hint(info, self.layered) if core_agrees or args_only else None
        if hint is None:
            raise Mistake(f"{called}: {difference_hint(got, plan)}")
        if core_agrees and self.layered:  # (Step 3's hint already names the extra activation layers.)
            raise Mistake(f"{called}: {hint} ({first_difference(info, plan)})")
        if core_agrees:
            raise Mistake(f"{called}: {hint}")
        raise Mistake(f"{called}: {hint}; also, {difference_hint(core_got, core_plan)}")

    def _aligned(self, info: ModelInfo, plan: list[Planned], kind: str) -> list[tuple[int, LayerInfo, Planned]]:
        """(index, layer, planned) for each of the model's layers where the plan has a layer of `kind`."""
        return [(i, layer, planned) for i, (layer, planned) in enumerate(zip(info.layers, plan)) if planned.kind == kind]

    def check_filters(self, info: ModelInfo, plan: list[Planned], called: str) -> None:
        convs = self._aligned(info, plan, "Conv2D")
        got, wanted = [layer.filters for _, layer, _ in convs], [p.filters for _, _, p in convs]
        if got != wanted:
            hint = "the first Conv2D has 32 filters, the second 64: Conv2D(32, ...), Conv2D(64, ...)"
            if got == wanted[::-1]:
                hint = "the filter counts are swapped: the first Conv2D has 32 filters (basic patterns), the second 64"
            raise mistake(called, f"Conv2D layers with {' then '.join(map(str, wanted))} filters",
                          f"Conv2D layers with {' then '.join(map(str, got))} filters", hint)

    def check_kernels(self, info: ModelInfo, plan: list[Planned], called: str) -> None:
        for _, layer, planned in self._aligned(info, plan, "Conv2D"):
            if layer.kernel_size != (3, 3):
                raise mistake(called, "3x3 kernels in every Conv2D",
                              f"a Conv2D({layer.filters}) with kernel_size={layer.kernel_size}",
                              "each filter looks at a 3x3 patch: kernel_size=(3, 3) (or kernel_size=3)")

    def check_pools(self, info: ModelInfo, plan: list[Planned], called: str) -> None:
        for index, layer, _ in self._aligned(info, plan, "MaxPooling2D"):
            if layer.pool_size != (2, 2):
                raise mistake(called, "MaxPooling2D(pool_size=(2, 2))",
                              f"MaxPooling2D with pool_size={layer.pool_size} (layer {index + 1})",
                              "a 2x2 pool halves the height and width of the feature maps")

    def check_dropout(self, info: ModelInfo, plan: list[Planned], called: str) -> None:
        for index, layer, planned in self._aligned(info, plan, "Dropout"):
            if layer.rate is None or abs(layer.rate - planned.rate) > 1e-9:
                raise mistake(called, f"Dropout({planned.rate})", f"Dropout({layer.rate:g}) (layer {index + 1})",
                              f"wrong dropout rate: the tutorial drops {planned.rate:.0%} of the features during "
                              f"training, Dropout({planned.rate})")

    def check_hidden_units(self, info: ModelInfo, plan: list[Planned], called: str) -> None:
        hidden = self._aligned(info, plan, "Dense")[:-1]
        for index, layer, planned in hidden:
            if layer.units != planned.units:
                raise mistake(called, f"a hidden Dense({planned.units})", f"Dense({layer.units}) (layer {index + 1})",
                              f"the hidden layer that combines the features has {planned.units} units")

    def check_output_units(self, info: ModelInfo, plan: list[Planned], called: str) -> None:
        index, layer, planned = self._aligned(info, plan, "Dense")[-1]
        if layer.units != planned.units:
            hint = "the output layer has one unit per class: Dense(num_classes, ...) with the num_classes argument"
            if layer.units == facts.NUM_CLASSES:
                hint = "num_classes is hard-coded as 10: " + hint
            raise mistake(called, f"an output Dense({planned.units})", f"Dense({layer.units}) (layer {index + 1})", hint)

    def check_activations(self, info: ModelInfo, plan: list[Planned], called: str) -> None:
        dense_layers = self._aligned(info, plan, "Dense")
        for index, layer, planned in self._aligned(info, plan, "Conv2D") + dense_layers:
            if layer.activation == planned.activation:
                continue
            is_output = (index, layer, planned) == dense_layers[-1]
            where = "the output layer" if is_output else f"layer {index + 1}"
            what = f"{where}, {layer.kind}({layer.filters or layer.units}), with"
            got = f"{what} activation={layer.activation!r}" + (" (none)" if layer.activation == LINEAR else "")
            if self.layered:
                follower = "Softmax" if is_output else "ReLU"
                raise mistake(called, f"no activation argument (the {follower}() layer after it applies the activation)", got,
                              "in step 4 each activation is its own layer: leave out activation= here")
            if is_output and layer.activation == RELU:
                hint = ("relu on the output layer: the last Dense needs activation='softmax' to turn class scores "
                        "into probabilities")
            elif is_output and layer.activation == LINEAR:
                hint = "the output layer has no activation, so it outputs logits, not probabilities: add activation='softmax'"
            elif is_output:
                hint = "the last Dense turns class scores into probabilities that sum to 1: activation='softmax'"
            elif layer.activation == LINEAR:
                hint = f"{layer.kind} has no activation: give it activation='relu' as in the tutorial"
            else:
                hint = "the convolutions and the hidden Dense use activation='relu'"
            raise mistake(called, f"activation={planned.activation!r}", got, hint)

    def check_probabilities(self, model: Any, info: ModelInfo, called: str) -> None:
        """Behaviour: the model's outputs on a few random images are probabilities that sum to 1."""
        images = np.random.default_rng(1).uniform(0.0, 1.0, size=(4, *info.input_shape[1:])).astype(np.float32)
        outputs = np.asarray(model(images, training=False), dtype=np.float64)
        sums = outputs.sum(axis=-1)
        if outputs.min() < 0 or not np.allclose(sums, 1.0, atol=1e-4):
            last = "Softmax()" if self.layered else "activation='softmax' on the last Dense"
            raise mistake(f"{called} applied to 4 images", "class probabilities: non-negative, summing to 1 per image",
                          f"outputs from {outputs.min():.3g} to {outputs.max():.3g} summing to "
                          + ", ".join(f"{total:.3g}" for total in sums),
                          f"the model must end with softmax ({last})")

    def check_params(self, info: ModelInfo, plan: list[Planned], called: str, rows=None) -> None:
        rows = rows or tutorial_summary(self.layered)
        total = sum(row[2] for row in rows)
        if info.total_params == total:
            return
        for index, (layer, row) in enumerate(zip(info.layers, rows)):
            if layer.params != row[2]:
                raise mistake(called, f"{total:,} parameters, {row[2]:,} of them in layer {index + 1} ({row[0]})",
                              f"{info.total_params:,} parameters, {layer.params:,} in layer {index + 1} ({layer.kind})",
                              "compare with the Param # column of the tutorial's model.summary(); Conv2D and Dense "
                              "keep their default use_bias=True")
        raise mistake(called, f"{total:,} parameters", f"{info.total_params:,}",
                      "compare with the Param # column of the tutorial's model.summary()")

    def check_shapes(self, info: ModelInfo, plan: list[Planned], called: str, rows=None) -> None:
        rows = rows or tutorial_summary(self.layered)
        for index, (layer, row) in enumerate(zip(info.layers, rows)):
            if layer.output_shape != row[1]:
                # The layers before this one give the tutorial's shapes, so this layer's own settings are off.
                hint = SHAPE_HINTS.get(layer.kind, "compare with the Output Shape column of the tutorial's model.summary()")
                raise mistake(called, f"{format_shape(row[1])} as in the tutorial's summary",
                              f"layer {index + 1} ({layer.kind}) output shape {format_shape(layer.output_shape)}", hint)

    # -- the arguments -------------------------------------------------------------------------

    def check_other_calls(self, build: Callable[..., Any], *which: str, prerequisite: bool = False) -> None:
        """Call `build` as OTHER_CALLS[name] says, for each name in `which`, and check each model.
        As a `prerequisite` of a later test, a failure is only named in a short line."""
        for name in which:
            args, kwargs, input_shape, num_classes = OTHER_CALLS[name]
            shown = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
            called = f"{self.function_name}({', '.join(shown)})"
            if (build, name) not in self._other_calls:
                try:
                    self.check_follows_arguments(build(*args, **kwargs), input_shape, num_classes, called)
                    self._other_calls[build, name] = None
                except Mistake as problem:
                    self._other_calls[build, name] = problem
            problem = self._other_calls[build, name]
            if problem is not None:
                if not prerequisite:
                    raise problem
                not_checked_yet(f"first fix {called} (see the failure above)")

    def check_follows_arguments(self, model: Any, input_shape: tuple[int, ...], num_classes: int, called: str) -> None:
        """The model built with other arguments has the reference model's input, output and shapes."""
        from mnistkit import reference

        self.check_sequential(model, called)
        info = describe_model(model)
        expected = describe_model(reference.build_model(input_shape, num_classes, layered=self.layered))
        wanted_input = (None, *input_shape)
        if info.input_shape != wanted_input:
            hint = "the first layer must take input_shape from the function's argument"
            if info.input_shape == (None, *facts.INPUT_SHAPE):
                hint = "the input_shape argument is ignored: (28, 28, 1) is hard-coded; use input_shape instead"
            elif info.input_shape is None:
                hint = "the model has no input shape at all: " + hint
            raise mistake(called, f"a model whose input is {format_shape(wanted_input)}",
                          f"input {format_shape(info.input_shape)}", hint)
        wanted_output = expected.layers[-1].output_shape
        got_output = info.layers[-1].output_shape if info.layers else None
        if got_output != wanted_output:
            hint = "the output layer must be Dense(num_classes), from the function's argument"
            if got_output is not None and got_output[-1] == facts.NUM_CLASSES:
                hint = "num_classes is hard-coded as 10: " + hint
            raise mistake(called, f"output shape {format_shape(wanted_output)}", format_shape(got_output), hint)
        rows = [(layer.kind, layer.output_shape, layer.params) for layer in expected.layers]
        plan = tutorial_plan(self.layered, num_classes)
        self.check_shapes(info, plan, called, rows)
        self.check_params(info, plan, called, rows)


def built_once(build: Callable[[], Any], name: str) -> Callable[[], Any]:
    """`get()`: the learner's model with the default arguments, built on the first call and kept.

    The model is built inside a test, so a problem shows as that test's failure. If the learner's
    code raises, that test fails and later calls skip ("not checked yet"); a stub's
    NotImplementedError is raised again on every call, so every test reports "not started".
    """
    build = build.fresh() if hasattr(build, "fresh") else build  # Seeded where it runs, after a fresh Keras session.
    built: list[Any] = []
    raised: list[bool] = []

    def get() -> Any:
        if raised:
            not_checked_yet(f"first fix the error {name}() raised (see the failure above)")
        if not built:
            try:
                built.append(build())
            except NotImplementedError:
                raise
            except Exception:
                raised.append(True)
                raise
        return built[0]

    return get
