import ember
ember.install_as_torch()  # `import torch` below gives Ember; delete these two lines to use PyTorch

import argparse  # noqa: E402

import torch  # noqa: E402

import data_loader.data_loaders as module_data  # noqa: E402
import model.loss as module_loss  # noqa: E402
import model.metric as module_metric  # noqa: E402
import model.model as module_arch  # noqa: E402
from logger import progress  # noqa: E402
from parse_config import ConfigParser  # noqa: E402


def main(config):
    logger = config.get_logger("test")

    # setup data_loader instances: the held-out test set, in order
    loader_args = dict(config["data_loader"]["args"])
    loader_args.update(batch_size=512, shuffle=False, validation_split=0.0,
                       training=False, num_workers=0)
    data_loader = getattr(module_data, config["data_loader"]["type"])(**loader_args)

    # build model architecture
    model = config.init_obj("arch", module_arch)
    logger.info(model)

    # get function handles of loss and metrics
    loss_fn = getattr(module_loss, config["loss"])
    metric_fns = [getattr(module_metric, met) for met in config["metrics"]]

    logger.info(f"Loading checkpoint: {config.resume} ...")
    checkpoint = torch.load(config.resume, weights_only=True)
    state_dict = checkpoint["state_dict"]
    if config["n_gpu"] > 1:
        model = torch.nn.DataParallel(model)
    model.load_state_dict(state_dict)

    # prepare model for testing
    device = torch.device("cuda" if torch.cuda.is_available() and config["n_gpu"] > 0 else "cpu")
    model = model.to(device)
    model.eval()

    total_loss = 0.0
    total_metrics = [0.0] * len(metric_fns)

    with torch.no_grad():
        for data, target in progress(data_loader, desc="test"):
            data, target = data.to(device), target.to(device)
            output = model(data)

            # computing loss, metrics on test set
            loss = loss_fn(output, target)
            batch_size = data.shape[0]
            total_loss += loss.item() * batch_size
            for i, metric in enumerate(metric_fns):
                total_metrics[i] += metric(output, target) * batch_size

    n_samples = len(data_loader.sampler)
    log = {"loss": total_loss / n_samples}
    log.update({met.__name__: total_metrics[i] / n_samples for i, met in enumerate(metric_fns)})
    logger.info(log)
    logger.info(f"Test accuracy: {log.get('accuracy', float('nan')):.2%} on {n_samples} "
                "held-out images")
    return log


if __name__ == "__main__":
    args = argparse.ArgumentParser(description="PyTorch Template")
    args.add_argument("-c", "--config", default=None, type=str,
                      help="config file path (default: None)")
    args.add_argument("-r", "--resume", default=None, type=str,
                      help="path to latest checkpoint (default: None)")
    args.add_argument("-d", "--device", default=None, type=str,
                      help="indices of GPUs to enable (default: all)")

    config = ConfigParser.from_args(args)
    main(config)
