"""Pure rules: tiers and model selection, prompts, presets, likeness instructions, errors. No I/O."""
