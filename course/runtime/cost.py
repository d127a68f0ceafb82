"""What a Keras model costs to run: the multiplications of one forward pass. The trial
runs (``runtime.trial``) and ``benchmarks/recipe_bench.py`` turn them into work and
GFLOP/s."""


def multiplies(model) -> int:
    """Multiplications in one forward pass of the model's Conv2D and Dense layers.

    A convolution makes ``kh * kw * c_in`` multiplications per output value; a dense
    layer ``n_in`` per output. Read from the built layers, so it counts what Keras runs;
    a model used as a layer (a pretrained base) counts with its own layers.
    """
    import keras
    from keras import layers

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += multiplies(layer)
        elif isinstance(layer, layers.Conv2D):
            kh, kw, c_in, _ = layer.kernel.shape
            outputs = 1
            for size in layer.output.shape[1:]:
                outputs *= size
            total += kh * kw * c_in * outputs
        elif isinstance(layer, layers.Dense):
            n_in, n_out = layer.kernel.shape
            total += n_in * n_out
    return total
