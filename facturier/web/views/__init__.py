"""One module per screen. Each view: parse the request, call a selector, render."""
