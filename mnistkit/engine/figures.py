"""matplotlib figures as a description, drawn again on the judge's side.

The learner's side describes what a figure shows, as a viewer sees it after one draw: each panel
with its place, limits, titles, labels, lines, images, colour meshes (sns.heatmap), texts and
legend. The judge builds a new `Figure` from that description alone, so the kit's figure checks
read a real Figure through the same public API as ever, and no object of the learner's process
reaches the judge. A PNG is not needed for any check, so none is sent.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

LINE_LIMIT, PICTURE_LIMIT, TEXT_LIMIT, AXES_LIMIT = 200, 200, 2000, 100


def _is_figure(value: Any) -> bool:
    if "matplotlib" not in sys.modules:
        return False
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    return isinstance(value, (Figure, Axes))


def _rgba(color: Any) -> list[float]:
    from matplotlib.colors import to_rgba

    try:
        return [float(c) for c in to_rgba(color)]
    except (TypeError, ValueError):
        return [0.0, 0.0, 0.0, 1.0]


def _text_place(text: Any, ax: Any, fig: Any) -> tuple[list[float], str]:
    """Where a text stands, in the coordinates it was given when they are the axes' or figure's own."""
    transform = text.get_transform()
    x, y = text.get_position()
    if ax is not None and transform == ax.transData:
        return [float(x), float(y)], "data"
    if ax is not None and transform == ax.transAxes:
        return [float(x), float(y)], "axes"
    shown = transform.transform((x, y))
    fx, fy = fig.transFigure.inverted().transform(shown)
    return [float(fx), float(fy)], "figure"


def _describe_text(text: Any, ax: Any, fig: Any) -> dict:
    place, coords = _text_place(text, ax, fig)
    return {"s": text.get_text()[:200], "xy": place, "coords": coords, "visible": bool(text.get_visible()),
            "ha": text.get_ha(), "va": text.get_va()}


def _describe_legend(legend: Any) -> dict | None:
    if legend is None:
        return None
    handles = []
    for handle in legend.legend_handles[:LINE_LIMIT]:
        if handle is None or not hasattr(handle, "get_color"):
            handles.append(None)
        else:
            handles.append({"color": _rgba(handle.get_color()), "ls": str(handle.get_linestyle()), "marker": str(handle.get_marker())})
    return {"texts": [t.get_text()[:200] for t in legend.get_texts()[:LINE_LIMIT]], "handles": handles,
            "visible": bool(legend.get_visible())}


def _describe_axes(encoder: Any, ax: Any, fig: Any) -> dict:
    from matplotlib.collections import QuadMesh

    spec = ax.get_subplotspec()
    subplot = None
    if spec is not None:
        rows, cols = spec.get_gridspec().get_geometry()
        subplot = [rows, cols, spec.rowspan.start, spec.rowspan.stop, spec.colspan.start, spec.colspan.stop]
    position = ax.get_position()
    lines = [{"x": encoder.array(np.asarray(line.get_xdata(), dtype=np.float64)),
              "y": encoder.array(np.asarray(line.get_ydata(), dtype=np.float64)),
              "label": str(line.get_label())[:200], "color": _rgba(line.get_color()), "ls": str(line.get_linestyle()),
              "marker": str(line.get_marker()), "visible": bool(line.get_visible())} for line in ax.get_lines()[:LINE_LIMIT]]
    images = [{"array": encoder.array(np.ma.getdata(image.get_array())), "extent": [float(v) for v in image.get_extent()],
               "origin": image.origin, "cmap": image.get_cmap().name, "clim": [float(v) for v in image.get_clim()]}
              for image in ax.get_images()[:PICTURE_LIMIT]]
    meshes = [{"coords": encoder.array(mesh.get_coordinates()), "array": encoder.array(np.ma.getdata(mesh.get_array())),
               "cmap": mesh.get_cmap().name, "clim": [float(v) for v in mesh.get_clim()]}
              for mesh in [c for c in ax.collections if isinstance(c, QuadMesh)][:PICTURE_LIMIT]]
    return {
        "subplot": subplot,
        "position": [position.x0, position.y0, position.width, position.height],
        "xlim": [float(v) for v in ax.get_xlim()], "ylim": [float(v) for v in ax.get_ylim()],
        "xscale": ax.get_xscale(), "yscale": ax.get_yscale(),
        "axison": bool(ax.axison), "xaxis": bool(ax.xaxis.get_visible()), "yaxis": bool(ax.yaxis.get_visible()),
        "spines": {name: bool(spine.get_visible()) for name, spine in ax.spines.items()},
        "titles": {loc: ax.get_title(loc)[:200] for loc in ("center", "left", "right")},
        "xlabel": ax.get_xlabel()[:200], "ylabel": ax.get_ylabel()[:200],
        "lines": lines, "images": images, "meshes": meshes,
        "texts": [_describe_text(t, ax, fig) for t in ax.texts[:TEXT_LIMIT]],
        "legend": _describe_legend(ax.get_legend()),
    }


def settle(fig: Any) -> None:
    """Place everything where a viewer would see it, as a draw would, before it is described.

    A layout engine (constrained layout, `layout="tight"`) and axes placed by a locator (a
    colorbar's) are settled only by a draw. Otherwise nothing a description reads moves in a draw
    (`ax.get_position()` applies an image's aspect itself), and skipping it saves a draw's time
    (32 kernel panels: 0.15 s). `fig.tight_layout()` leaves a placeholder engine: its layout is done."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = fig.get_layout_engine()
    if (engine is not None and not isinstance(engine, PlaceHolderLayoutEngine)) or any(
            ax.get_axes_locator() is not None for ax in fig.axes):
        fig.draw_without_rendering()


def describe(encoder: Any, fig: Any) -> dict:
    settle(fig)
    return {
        "t": "figure",
        "size": [float(v) for v in fig.get_size_inches()], "dpi": float(fig.dpi),
        "suptitle": fig.get_suptitle()[:200],
        "axes": [_describe_axes(encoder, ax, fig) for ax in fig.axes[:AXES_LIMIT]],
        "texts": [_describe_text(t, None, fig) for t in _without_suptitle(fig)[:TEXT_LIMIT]],
        "legends": [_describe_legend(legend) for legend in fig.legends[:10]],
    }


def _without_suptitle(fig: Any) -> list:
    """The figure's texts but its suptitle (which is one of them, and is drawn again as the suptitle)."""
    texts, suptitle = list(fig.texts), fig.get_suptitle()
    if suptitle:
        same = next((t for t in texts if t.get_text() == suptitle), None)
        if same is not None:
            texts.remove(same)
    return texts


def encode(encoder: Any, value: Any) -> dict | None:
    if not _is_figure(value):
        return None
    from matplotlib.axes import Axes

    if isinstance(value, Axes):
        fig = value.figure
        index = fig.axes.index(value) if value in fig.axes else 0
        return {"t": "axes", "figure": encoder.encode(fig), "index": index}
    return describe(encoder, value)


# --- Drawing it again ------------------------------------------------------------------------------


def _floats(value: Any, count: int) -> list[float]:
    from mnistkit.engine.bundles import MalformedValue

    if not isinstance(value, list) or len(value) != count or not all(isinstance(v, (int, float)) for v in value):
        raise MalformedValue("a malformed figure")
    return [float(v) for v in value]


def _text(value: Any) -> str:
    return value[:200] if isinstance(value, str) else ""


def _add_legend(owner: Any, spec: Any) -> None:
    from matplotlib.lines import Line2D

    if not isinstance(spec, dict):
        return
    texts = [_text(t) for t in spec.get("texts", [])][:LINE_LIMIT]
    handles = []
    for handle in spec.get("handles", [])[: len(texts)]:
        if isinstance(handle, dict):
            handles.append(Line2D([], [], color=_floats(handle.get("color"), 4), linestyle=_text(handle.get("ls")) or "-",
                                  marker=_text(handle.get("marker")) or "None"))
        else:
            handles.append(Line2D([], [], linestyle="None"))
    if handles:
        legend = owner.legend(handles, texts[: len(handles)])
        legend.set_visible(spec.get("visible") is not False)


def _add_text(owner: Any, ax: Any, fig: Any, spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    x, y = _floats(spec.get("xy"), 2)
    coords = spec.get("coords")
    transform = ax.transData if coords == "data" and ax is not None else ax.transAxes if coords == "axes" and ax is not None else fig.transFigure
    ha = spec.get("ha") if spec.get("ha") in ("left", "center", "right") else "left"
    va = spec.get("va") if spec.get("va") in ("top", "center", "bottom", "baseline", "center_baseline") else "baseline"
    text = owner.text(x, y, _text(spec.get("s")), transform=transform, ha=ha, va=va)
    text.set_visible(spec.get("visible") is not False)


def _cmap(name: Any) -> str:
    import matplotlib

    return name if isinstance(name, str) and name in matplotlib.colormaps else "viridis"


def _draw_axes(decoder: Any, fig: Any, spec: Any) -> None:
    from matplotlib.gridspec import GridSpec

    from mnistkit.engine.bundles import MalformedValue

    if not isinstance(spec, dict):
        raise MalformedValue("a malformed figure")
    position = _floats(spec.get("position"), 4)
    subplot = spec.get("subplot")
    if isinstance(subplot, list) and len(subplot) == 6 and all(type(v) is int for v in subplot) and 0 < subplot[0] <= 100 and 0 < subplot[1] <= 100:
        rows, cols, r0, r1, c0, c1 = subplot
        try:
            ax = fig.add_subplot(GridSpec(rows, cols, figure=fig)[r0:r1, c0:c1])
        except (IndexError, ValueError):
            ax = fig.add_axes(position)
        ax.set_position(position)
    else:
        ax = fig.add_axes(position)
    for line in decoder.items(spec, "lines")[:LINE_LIMIT]:
        xs, ys = decoder.array(line, "x"), decoder.array(line, "y")
        drawn, = ax.plot(xs, ys, color=_floats(line.get("color"), 4), linestyle=_text(line.get("ls")) or "-",
                         marker=_text(line.get("marker")) or "None", label=_text(line.get("label")))
        drawn.set_visible(line.get("visible") is not False)
    for image in decoder.items(spec, "images")[:PICTURE_LIMIT]:
        vmin, vmax = _floats(image.get("clim"), 2)
        ax.imshow(decoder.array(image, "array"), cmap=_cmap(image.get("cmap")), extent=_floats(image.get("extent"), 4),
                  origin="lower" if image.get("origin") == "lower" else "upper", vmin=vmin, vmax=vmax, aspect="auto")
    for mesh in decoder.items(spec, "meshes")[:PICTURE_LIMIT]:
        coords, values = decoder.array(mesh, "coords"), decoder.array(mesh, "array")
        if coords.ndim != 3 or coords.shape[-1] != 2:
            raise MalformedValue("a malformed colour mesh")
        vmin, vmax = _floats(mesh.get("clim"), 2)
        ax.pcolormesh(coords[..., 0], coords[..., 1], values, cmap=_cmap(mesh.get("cmap")), vmin=vmin, vmax=vmax)
    ax.set_xscale(spec.get("xscale") if spec.get("xscale") in ("linear", "log", "symlog", "logit") else "linear")
    ax.set_yscale(spec.get("yscale") if spec.get("yscale") in ("linear", "log", "symlog", "logit") else "linear")
    ax.set_xlim(*_floats(spec.get("xlim"), 2))
    ax.set_ylim(*_floats(spec.get("ylim"), 2))
    ax.set_aspect("auto")
    ax.set_position(position)
    titles = spec.get("titles") if isinstance(spec.get("titles"), dict) else {}
    for loc in ("center", "left", "right"):
        if _text(titles.get(loc)):
            ax.set_title(_text(titles.get(loc)), loc=loc)
    ax.set_xlabel(_text(spec.get("xlabel")))
    ax.set_ylabel(_text(spec.get("ylabel")))
    for text in decoder.items(spec, "texts")[:TEXT_LIMIT]:
        _add_text(ax, ax, fig, text)
    _add_legend(ax, spec.get("legend"))
    if spec.get("axison") is False:
        ax.set_axis_off()
    ax.xaxis.set_visible(spec.get("xaxis") is not False)
    ax.yaxis.set_visible(spec.get("yaxis") is not False)
    spines = spec.get("spines") if isinstance(spec.get("spines"), dict) else {}
    for name, spine in ax.spines.items():
        spine.set_visible(spines.get(name) is not False)


def draw(decoder: Any, node: dict) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = _floats(node.get("size"), 2)
    dpi = _floats([node.get("dpi")], 1)[0]
    if not (0 < width <= 200 and 0 < height <= 200 and 1 <= dpi <= 1000):
        from mnistkit.engine.bundles import MalformedValue

        raise MalformedValue("a figure of impossible size")
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    decoder._remember(node, fig)
    if _text(node.get("suptitle")):
        fig.suptitle(_text(node.get("suptitle")))
    for spec in decoder.items(node, "axes")[:AXES_LIMIT]:
        _draw_axes(decoder, fig, spec)
    for text in decoder.items(node, "texts")[:TEXT_LIMIT]:
        _add_text(fig, None, fig, text)
    for legend in decoder.items(node, "legends")[:10]:
        _add_legend(fig, legend)
    return fig


def decode(decoder: Any, kind: str, node: dict) -> Any:
    if kind == "figure":
        return draw(decoder, node)
    if kind == "axes":
        fig = decoder.decode(node.get("figure"))
        index = node.get("index")
        if not hasattr(fig, "axes") or type(index) is not int or not 0 <= index < len(fig.axes):
            from mnistkit.engine.bundles import MalformedValue

            raise MalformedValue("a malformed Axes")
        return fig.axes[index]
    return None
