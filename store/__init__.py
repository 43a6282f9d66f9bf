"""TinyDB storage for chipwire. The only package that imports tinydb."""
