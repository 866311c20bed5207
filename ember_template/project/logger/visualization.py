"""TensorBoard event files (through tensorboardX) and a PNG plot of the training curves."""

import importlib
from datetime import datetime
from pathlib import Path

__all__ = ["TensorboardWriter", "plot_history"]


class TensorboardWriter:
    def __init__(self, log_dir, logger, enabled):
        self.writer = None
        self.selected_module = ""

        if enabled:
            log_dir = str(log_dir)

            # tensorboardX writes event files without needing PyTorch
            succeeded = False
            for module in ["tensorboardX"]:
                try:
                    self.writer = importlib.import_module(module).SummaryWriter(log_dir)
                    succeeded = True
                    break
                except ImportError:
                    succeeded = False
                self.selected_module = module

            if not succeeded:
                message = "Warning: visualization (Tensorboard) is configured to use, but currently " \
                    "not installed on this machine. Please install TensorboardX with " \
                    "'pip install tensorboardX' or turn off the option in the 'config.json' file."
                logger.warning(message)

        self.step = 0
        self.mode = ""

        self.tb_writer_ftns = {
            "add_scalar", "add_scalars", "add_image", "add_images", "add_audio",
            "add_text", "add_histogram", "add_pr_curve", "add_embedding"
        }
        self.tag_mode_exceptions = {"add_histogram", "add_embedding"}
        self.timer = datetime.now()

    def set_step(self, step, mode="train"):
        self.mode = mode
        self.step = step
        if step == 0:
            self.timer = datetime.now()
        else:
            duration = datetime.now() - self.timer
            seconds = duration.total_seconds()
            if seconds > 0:
                self.add_scalar("steps_per_sec", 1 / seconds)
            self.timer = datetime.now()

    def close(self):
        if self.writer is not None:
            self.writer.close()

    def __getattr__(self, name):
        """
        If visualization is configured to use:
            return add_data() methods of tensorboard with additional information (step, tag) added.
        Otherwise:
            return a blank function handle that does nothing
        """
        if name in self.tb_writer_ftns:
            add_data = getattr(self.writer, name, None)

            def wrapper(tag, data, *args, **kwargs):
                if add_data is not None:
                    # add mode(train/valid) tag
                    if name not in self.tag_mode_exceptions:
                        tag = f"{tag}/{self.mode}"
                    add_data(tag, data, self.step, *args, **kwargs)
            return wrapper
        raise AttributeError(f"type object '{self.selected_module}' has no attribute '{name}'")


def plot_history(history, path):
    """Plot loss and every metric per epoch (train and validation) into a PNG; returns its path.

    ``history`` is the list of per-epoch logs the trainer keeps ({"epoch": 1, "loss": ...,
    "val_loss": ...}).  Returns None when matplotlib is not installed.
    """
    try:
        import matplotlib
        matplotlib.use("Agg")  # files only, no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    keys = [k for k in history[0] if k != "epoch" and not k.startswith("val_")]
    epochs = [log["epoch"] for log in history]
    fig, axes = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 3.6), squeeze=False)
    for ax, key in zip(axes[0], keys):
        ax.plot(epochs, [log[key] for log in history], "o-", label="train")
        if "val_" + key in history[0]:
            ax.plot(epochs, [log["val_" + key] for log in history], "s--", label="validation")
        ax.set_title(key)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
