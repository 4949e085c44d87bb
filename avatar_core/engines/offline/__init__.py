"""The offline engine: an illustrated portrait painted with Pillow from the prompt's words."""
