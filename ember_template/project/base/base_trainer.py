import json
from abc import abstractmethod
from math import inf

import torch

from logger import TensorboardWriter, plot_history, progress
from utils import get_rng_states, set_rng_states

__all__ = ["BaseTrainer"]


class BaseTrainer:
    """
    Base class for all trainers: the epoch loop, monitoring with early stopping, checkpoints
    that resume exactly, TensorBoard logging and the plot of the training curves.
    """
    def __init__(self, model, criterion, metric_ftns, optimizer, config, lr_scheduler=None,
                 generator=None):
        self.config = config
        self.logger = config.get_logger("trainer", config["trainer"]["verbosity"])

        self.model = model
        self.criterion = criterion
        self.metric_ftns = metric_ftns
        self.optimizer = optimizer
        self.lr_scheduler = lr_scheduler
        # the data loader's shuffling generator: saved in checkpoints with the global RNGs
        self.generator = generator

        cfg_trainer = config["trainer"]
        self.epochs = cfg_trainer["epochs"]
        self.save_period = cfg_trainer["save_period"]
        self.monitor = cfg_trainer.get("monitor", "off")

        # configuration to monitor model performance and save best
        if self.monitor == "off":
            self.mnt_mode = "off"
            self.mnt_best = 0
        else:
            self.mnt_mode, self.mnt_metric = self.monitor.split()
            assert self.mnt_mode in ["min", "max"]

            self.mnt_best = inf if self.mnt_mode == "min" else -inf
            self.early_stop = cfg_trainer.get("early_stop", inf)
            if self.early_stop <= 0:
                self.early_stop = inf
        self.not_improved_count = 0

        self.start_epoch = 1
        self.history = []   # one log dict per epoch: the curves of the plot

        self.checkpoint_dir = config.save_dir

        # setup visualization writer instance
        self.writer = TensorboardWriter(config.log_dir, self.logger, cfg_trainer["tensorboard"])

        if config.resume is not None:
            self._resume_checkpoint(config.resume)

    @abstractmethod
    def _train_epoch(self, epoch):
        """
        Training logic for an epoch

        :param epoch: Current epoch number
        """
        raise NotImplementedError

    def train(self):
        """
        Full training logic
        """
        epochs = progress(range(self.start_epoch, self.epochs + 1), desc="epochs",
                          initial=self.start_epoch - 1, total=self.epochs)
        for epoch in epochs:
            result = self._train_epoch(epoch)

            # save logged informations into log dict
            log = {"epoch": epoch}
            log.update(result)
            self.history.append(log)

            # print logged informations to the screen
            for key, value in log.items():
                self.logger.info(f"    {str(key):15s}: {value}")

            # evaluate model performance according to configured metric, save best checkpoint
            # as model_best
            best = False
            stop = False
            if self.mnt_mode != "off":
                try:
                    # check whether model performance improved or not, according to
                    # specified metric(mnt_metric)
                    improved = (self.mnt_mode == "min" and log[self.mnt_metric] <= self.mnt_best) or \
                               (self.mnt_mode == "max" and log[self.mnt_metric] >= self.mnt_best)
                except KeyError:
                    self.logger.warning(f"Warning: Metric '{self.mnt_metric}' is not found. "
                                        "Model performance monitoring is disabled.")
                    self.mnt_mode = "off"
                    improved = False

                if improved:
                    self.mnt_best = log[self.mnt_metric]
                    self.not_improved_count = 0
                    best = True
                else:
                    self.not_improved_count += 1

                if self.not_improved_count > self.early_stop:
                    self.logger.info("Validation performance didn't improve for "
                                     f"{self.early_stop} epochs. Training stops.")
                    stop = True

            if epoch % self.save_period == 0 or best or stop or epoch == self.epochs:
                self._save_checkpoint(epoch, save_best=best)
            if stop:
                break
        self.writer.close()
        self._report()

    def _report(self):
        """Plot the curves and say where the checkpoints, the log and the plot are."""
        plot = plot_history(self.history, self.config.log_dir / "curves.png") if self.history \
            else None
        self.logger.info(f"Checkpoints: {self.checkpoint_dir}")
        best = self.checkpoint_dir / "model_best.pth"
        if best.is_file():
            self.logger.info(f"Best model:  {best}")
        self.logger.info(f"Log:         {self.config.log_dir / 'info.log'}")
        if self.writer.writer is not None:
            self.logger.info(f"TensorBoard: tensorboard --logdir {self.config.log_dir}")
        if plot is not None:
            self.logger.info(f"Plot:        {plot}")

    def _save_checkpoint(self, epoch, save_best=False):
        """
        Saving checkpoints

        Everything in the checkpoint is tensors or plain Python data, so it loads with
        ``torch.load(path, weights_only=True)``.  Besides the model and optimizer it holds what
        an exact resume needs: the scheduler, the early-stopping counter, the curves so far and
        every random state (global generators and the data loader's shuffling generator).

        :param epoch: current epoch number
        :param save_best: if True, rename the saved checkpoint to 'model_best.pth'
        """
        arch = type(self.model).__name__
        state = {
            "arch": arch,
            "epoch": epoch,
            "state_dict": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "lr_scheduler": self.lr_scheduler.state_dict() if self.lr_scheduler else None,
            "monitor_best": self.mnt_best,
            "not_improved_count": self.not_improved_count,
            "history": self.history,
            "rng_states": get_rng_states(self.generator),
            "config": json.loads(json.dumps(self.config.config)),  # plain dicts only
        }
        filename = str(self.checkpoint_dir / f"checkpoint-epoch{epoch}.pth")
        torch.save(state, filename)
        self.logger.info(f"Saving checkpoint: {filename} ...")
        if save_best:
            best_path = str(self.checkpoint_dir / "model_best.pth")
            torch.save(state, best_path)
            self.logger.info("Saving current best: model_best.pth ...")

    def _resume_checkpoint(self, resume_path):
        """
        Resume from saved checkpoints: training goes on exactly as if it had never stopped.

        :param resume_path: Checkpoint path to be resumed
        """
        resume_path = str(resume_path)
        self.logger.info(f"Loading checkpoint: {resume_path} ...")
        checkpoint = torch.load(resume_path, weights_only=True)
        self.start_epoch = checkpoint["epoch"] + 1
        self.mnt_best = checkpoint["monitor_best"]
        self.not_improved_count = checkpoint.get("not_improved_count", 0)
        self.history = list(checkpoint.get("history", []))

        # load architecture params from checkpoint.
        if checkpoint["config"]["arch"] != self.config["arch"]:
            self.logger.warning("Warning: Architecture configuration given in config file is "
                                "different from that of checkpoint. This may yield an exception "
                                "while state_dict is being loaded.")
        self.model.load_state_dict(checkpoint["state_dict"])

        # load optimizer state from checkpoint only when optimizer type is not changed.
        if checkpoint["config"]["optimizer"]["type"] != self.config["optimizer"]["type"]:
            self.logger.warning("Warning: Optimizer type given in config file is different from "
                                "that of checkpoint. Optimizer parameters not being resumed.")
        else:
            self.optimizer.load_state_dict(checkpoint["optimizer"])
            if self.lr_scheduler is not None and checkpoint.get("lr_scheduler") is not None:
                self.lr_scheduler.load_state_dict(checkpoint["lr_scheduler"])

        if "rng_states" in checkpoint:
            set_rng_states(checkpoint["rng_states"], self.generator)

        self.logger.info(f"Checkpoint loaded. Resume training from epoch {self.start_epoch}")
