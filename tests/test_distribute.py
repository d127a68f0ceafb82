"""Multi-device training: course.train under MirroredStrategy, on two logical CPUs.

TensorFlow fixes its devices when it starts, so the two-replica run happens in a fresh
interpreter that splits the CPU before anything else touches TensorFlow.
"""

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json, os
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    from keras import layers
    from course import train

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 384)
    x = rng.integers(0, 60, (384, 8, 8, 1)).astype(np.uint8)
    for label, rows in enumerate((slice(0, 3), slice(3, 5), slice(5, 8))):
        x[y == label, rows] += 150  # the class is which band of rows is bright

    def run():
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((8, 8, 1)),
                                  layers.Conv2D(8, 3, activation="relu"),
                                  layers.GlobalAveragePooling2D(),
                                  layers.Dense(3, activation="softmax")])
        result = train.fit(model, x, y, epochs=8, batch_size=16, learning_rate=1e-2, verbose=False)
        return {"accuracy": train.evaluate(model, x, y).accuracy, "loss": result.last("loss"),
                "images": result.images,
                "replicas": tf.distribute.get_strategy().num_replicas_in_sync,
                "variable": type(model.weights[0].value).__name__}

    one = run()
    strategy = train.distribute(["/cpu:0", "/cpu:1"])
    two = run()
    print(json.dumps({"one": one, "two": two, "strategy": type(strategy).__name__}))
""")


@pytest.mark.slow
def test_two_replicas_train_to_the_same_accuracy_as_one():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    one, two = result["one"], result["two"]
    assert result["strategy"] == "MirroredStrategy"
    assert (one["replicas"], two["replicas"]) == (1, 2)
    assert two["variable"] != one["variable"]  # mirrored variables, one copy per device
    assert one["images"] == two["images"] == 8 * 384
    assert one["accuracy"] > 0.9
    assert abs(one["accuracy"] - two["accuracy"]) <= 0.05, result


def test_distribute_with_one_device_changes_nothing():
    import tensorflow as tf

    from course import train

    assert train.distribute([]) is tf.distribute.get_strategy()
    assert train.distribute(["/cpu:0"]).num_replicas_in_sync == 1
