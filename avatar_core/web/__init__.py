"""The web front end: session cookies, the login pages, private image routes and the Gradio UI."""
