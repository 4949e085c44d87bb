"""What the Generate tab shows for a click's results: the image grid, the lines under it, the JSON."""

from __future__ import annotations

import html
from typing import Any

from avatar_core.services.gallery import Gallery
from avatar_core.services.generation import GenerationResult
from avatar_core.web.text import md_text


def result_data(result: GenerationResult) -> dict[str, Any]:
    """The generation as the hidden JSON output (what a Gradio client reads): the CLI's and the
    REST API's fields, plus where the image is."""
    image_url = f"/avatars/{result.generation_id}/image.png" if result.ok else None
    return result.as_dict() | {"image_url": image_url}


def batch_data(results: list[GenerationResult]) -> dict[str, Any]:
    """The first result's JSON; with several images, `images` lists each one."""
    data = result_data(results[0])
    if len(results) > 1:
        data["images"] = [result_data(r) for r in results]
        data["balance"] = results[-1].balance
    return data


def result_details(result: GenerationResult, from_photo: bool) -> str:
    """The line under a fresh image: model, route, size, why, charge, time, seed, balance."""
    kind = (
        " · offline preview"
        if result.offline
        else (
            f" · {html.escape(result.provider)}: {html.escape(result.provider_model)}"
            + (f" + {html.escape(result.lora)} @ {result.lora_scale:g}" if result.lora else "")
        )
    )
    notes = "".join(f"\n- {html.escape(n)}" for n in result.notes)
    kind += " · from your photo" if from_photo else ""
    return (
        f"**{html.escape(result.model_name)}**{kind} · {result.width}×{result.height}  \n"
        f"{html.escape(result.reason)}  \n"
        f"Charged **{result.credits_charged}** credits · {result.seconds:.1f} s · "
        f"seed {result.seed} · balance **{result.balance}** credits{notes}"
    )


def prompt_sent(gallery: Gallery, user_id: int, results: list[GenerationResult]) -> str:
    """The prompt the model was sent, as the first image made records it ("" when none was made):
    the preset's words with the user's, less what the user's words replaced (one read)."""
    made = next((r for r in results if r.ok), None)
    return gallery.get(user_id, made.generation_id).prompt if made else ""


def sent_block(prompt: str) -> str:
    """The prompt sent, collapsed under the result's lines ("" without one)."""
    if not prompt:
        return ""
    summary = '<details class="prompt-sent"><summary>Prompt sent</summary>'
    return f"\n\n{summary}\n\n{md_text(prompt)}\n\n</details>"


def batch_details(results: list[GenerationResult], from_photo: bool, sent: str = "") -> str:
    """One image: its line; several: a line per image, then what was charged and refunded in all;
    then the prompt sent (`sent`), collapsed."""
    return _details(results, from_photo) + sent_block(sent)


def _details(results: list[GenerationResult], from_photo: bool) -> str:
    """The lines of `batch_details`."""
    if len(results) == 1:
        return result_details(results[0], from_photo)
    lines = []
    for i, r in enumerate(results, 1):
        if r.ok:
            lines.append(
                f"{i}. **{html.escape(r.model_name)}** · {r.width}×{r.height} · "
                f"**{r.credits_charged}** credits · seed {r.seed}"
            )
        else:
            lines.append(f"{i}. failed, refunded: {html.escape(r.error or 'failed')} · seed {r.seed}")
    made = sum(r.ok for r in results)
    charged = sum(r.credits_charged for r in results)
    return (
        f"**{made} of {len(results)}** images made{offline_note(results)} · charged **{charged}** "
        f"credits in all · balance **{results[-1].balance}** credits  \n" + "  \n".join(lines)
    )


def offline_note(results: list[GenerationResult]) -> str:
    """What the batch line says when the images made are offline previews (how many, if not all)."""
    made = [r for r in results if r.ok]
    offline = sum(r.offline for r in made)
    if not offline:
        return ""
    if offline == len(made):
        return " · **offline previews** (drawn locally, not by a model)"
    return f" · **{offline} offline preview{'s' if offline > 1 else ''}**"


def grid_html(results: list[GenerationResult], alt: str) -> str:
    """The images as a grid; each box keeps its image's shape before it loads (no layout jump).
    An offline preview's alt text says it is one."""
    cells = []
    for r in results:
        if r.ok and r.width and r.height:
            text = f"{alt} (offline preview)" if r.offline else alt
            cells.append(
                f'<img class="avatar-result" src="/avatars/{r.generation_id}/image.png" '
                f'alt="{html.escape(text)}" width="{r.width}" height="{r.height}" '
                f'style="aspect-ratio: {r.width} / {r.height}" data-seed="{r.seed}">'
            )
        else:
            cells.append(f'<div class="avatar-empty">{html.escape(r.error or "No image")}</div>')
    return f'<div class="result-grid" data-count="{len(results)}">{"".join(cells)}</div>'
