"""Logging to the console and to ``info.log`` in the run's log folder."""

import logging
import logging.config
import sys
from pathlib import Path

from utils import read_json

try:
    from tqdm import tqdm
except ImportError:  # progress bars are optional
    tqdm = None

__all__ = ["setup_logging", "TqdmLoggingHandler", "progress"]

LOG_CONFIG = Path(__file__).with_name("logger_config.json")


class TqdmLoggingHandler(logging.Handler):
    """Console handler that prints through ``tqdm.write`` so log lines do not break progress bars."""

    def emit(self, record):
        try:
            msg = self.format(record)
            if tqdm is not None:
                tqdm.write(msg, file=sys.stdout)
            else:
                print(msg, file=sys.stdout)
            sys.stdout.flush()
        except Exception:
            self.handleError(record)


def setup_logging(save_dir, log_config=LOG_CONFIG, default_level=logging.INFO):
    """Setup logging configuration (file handlers write into ``save_dir``)."""
    log_config = Path(log_config)
    if log_config.is_file():
        config = read_json(log_config)
        # modify logging paths based on run config
        for _, handler in config["handlers"].items():
            if "filename" in handler:
                handler["filename"] = str(Path(save_dir) / handler["filename"])
        logging.config.dictConfig(config)
    else:
        print(f"Warning: logging configuration file is not found in {log_config}.")
        logging.basicConfig(level=default_level)


def progress(iterable, **kwargs):
    """A tqdm progress bar on stderr (shown only on a terminal), or ``iterable`` without tqdm."""
    if tqdm is None:
        return iterable
    kwargs.setdefault("disable", None)  # None: no bar when stderr is not a terminal
    kwargs.setdefault("dynamic_ncols", True)
    return tqdm(iterable, file=sys.stderr, **kwargs)
