"""Site modules: code only where selectors cannot say it, one small module per site."""
