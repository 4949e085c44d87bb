"""Gallery tab, keeping things in order: the projects section (create, rename), the select bar
(several avatars: zip, move, delete) and the selected avatar's name and project."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from avatar_core.web.handlers import Handlers
from avatar_core.web.handlers.gallery_manage import chosen_bar
from avatar_core.web.ui.common import HIDDEN

# Turning "Select several" off forgets the choice on the page too.
UNCHOOSE_JS = (
    "(on) => { if (!on) document.querySelectorAll('#avatar-grid .thumb.chosen')"
    ".forEach(t => { t.classList.remove('chosen'); t.removeAttribute('aria-pressed'); }); return on; }"
)


@dataclass(frozen=True)
class Manage:
    """The components the gallery's own events read or refresh."""

    mode: Any  # "Select several"
    chosen: Any  # the chosen ids, "3,5,9"
    bar: Any  # the select bar (shown in select mode)
    line: Any  # how many are chosen, with the zip link
    move_to: Any
    move: Any
    delete: Any
    confirm_box: Any
    confirm: Any
    keep: Any
    new_name: Any
    create: Any
    rename: Any
    msg: Any


@dataclass(frozen=True)
class Naming:
    """The selected avatar's name and project, in the detail column."""

    name: Any
    save: Any
    project: Any


def build_manage() -> Manage:
    """ "Select several" + its bar, and the projects section (under the filter bar)."""
    with gr.Row(elem_classes="gallery-tools"):
        mode = gr.Checkbox(label="Select several", value=False, scale=0, min_width=150, elem_id="select-mode")
        with (
            gr.Accordion("Projects: new, rename", open=False, elem_id="projects-section"),
            gr.Row(elem_classes="align-end"),
        ):
            new_name = gr.Textbox(label="Project name", max_length=80, min_width=180, elem_id="project-name")
            create = gr.Button("Create project", size="sm", scale=0, min_width=130)
            rename = gr.Button("Rename the project shown", size="sm", scale=0, min_width=190)
    chosen = gr.Textbox(value="", visible=False, elem_id="chosen-avatars")
    with gr.Group(visible=False, elem_id="select-bar") as bar:
        line = gr.HTML(chosen_bar([]), elem_id="chosen-line")
        with gr.Row(elem_classes="align-end"):
            move_to = gr.Dropdown(
                [], label="Move to project", interactive=True, min_width=180, elem_id="bulk-move-to"
            )
            move = gr.Button("Move them", size="sm", scale=0, min_width=110)
            delete = gr.Button("Delete them…", size="sm", variant="stop", scale=0, min_width=120)
        with gr.Group(visible=False, elem_id="confirm-bulk-delete") as confirm_box:
            gr.Markdown(
                "Delete the chosen avatars for good? This can't be undone.", elem_classes="confirm-note"
            )
            with gr.Row():
                confirm = gr.Button("Yes, delete them", size="sm", variant="stop")
                keep = gr.Button("Keep them", size="sm")
    msg = gr.Markdown(elem_id="manage-msg")
    return Manage(
        mode,
        chosen,
        bar,
        line,
        move_to,
        move,
        delete,
        confirm_box,
        confirm,
        keep,
        new_name,
        create,
        rename,
        msg,
    )


def build_naming() -> Naming:
    """The name box and the project menu of the selected avatar (in the detail column)."""
    with gr.Row(elem_classes="align-end"):
        name = gr.Textbox(
            label="Name", max_length=120, interactive=False, min_width=160, elem_id="avatar-rename"
        )
        save = gr.Button("Rename", size="sm", scale=0, min_width=90, elem_id="rename-btn")
    project = gr.Dropdown([], label="In project", interactive=False, min_width=160, elem_id="avatar-project")
    return Naming(name, save, project)


def wire_manage(
    h: Handlers, m: Manage, naming: Naming, grid: Any, selected: Any, refresh: list[Any], gen_project: Any
) -> None:
    """The select mode, bulk actions, projects and naming. `refresh` are the gallery's own follow-ups
    after a change: (fn, inputs, outputs) of the page and the project filter with its counts."""
    page_fn, page_in, page_out = refresh[0]
    filter_fn, filter_out = refresh[1]

    def after(event: Any, name: str) -> Any:
        """The page, the counts and the Generate tab's project menu read again."""
        return (
            event.then(page_fn, page_in, page_out, api_name=f"{name}_page", **HIDDEN)
            .then(filter_fn, None, filter_out, api_name=f"{name}_counts", **HIDDEN)
            .then(h.move_choices, None, [m.move_to, naming.project], api_name=f"{name}_moves", **HIDDEN)
            .then(h.project_choices, None, gen_project, api_name=f"{name}_gen_projects", **HIDDEN)
        )

    m.mode.change(
        lambda on: (gr.update(visible=bool(on)), "", chosen_bar([])),
        m.mode,
        [m.bar, m.chosen, m.line],
        js=UNCHOOSE_JS,
        api_name="select_mode",
        queue=False,
        **HIDDEN,
    )
    grid.select(h.pick_many, None, [m.chosen, m.line], api_name="pick_many", queue=False, **HIDDEN)
    after(m.move.click(h.move_many, [m.chosen, m.move_to], m.msg, api_name="move_many"), "moved")
    m.delete.click(lambda: gr.update(visible=True), None, m.confirm_box, api_name="ask_delete_many", **HIDDEN)
    m.keep.click(lambda: gr.update(visible=False), None, m.confirm_box, api_name="keep_many", **HIDDEN)
    deleting = m.confirm.click(h.delete_many, m.chosen, [m.msg, m.chosen, m.line], api_name="delete_many")
    closing = deleting.then(
        lambda: gr.update(visible=False), None, m.confirm_box, api_name="close_many", **HIDDEN
    )
    after(closing, "deleted_many")
    after(
        m.create.click(
            h.create_project, m.new_name, [m.msg, m.new_name, refresh[2]], api_name="create_project"
        ),
        "created",
    )
    after(
        m.rename.click(
            h.rename_project, [refresh[2], m.new_name], [m.msg, m.new_name], api_name="rename_project"
        ),
        "renamed",
    )
    selected.change(
        h.avatar_fields, selected, [naming.name, naming.project], api_name="avatar_fields", **HIDDEN
    )
    saving = [naming.save.click, naming.name.submit]
    after(
        gr.on(saving, h.rename_avatar, [selected, naming.name], m.msg, api_name="rename_avatar"),
        "renamed_avatar",
    )
    after(
        naming.project.input(h.move_avatar, [selected, naming.project], m.msg, api_name="move_avatar"),
        "moved_one",
    )
