"""The pipeline's stages, one module each, in the order items flow through them."""
