#!/usr/bin/python3
"""The classic sample's serve script: nginx in front of gunicorn sync workers running the flask
app. Environment: SAGEMAKER_BASE_DIR, SAGEMAKER_BIND_TO_PORT (default 8080), MODEL_SERVER_WORKERS
(default: the number of cores), MODEL_SERVER_TIMEOUT and REFERENCE_RUN_DIR (pid, logs, socket)."""

import multiprocessing
import os
import signal
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
cpu_count = multiprocessing.cpu_count()
model_server_timeout = os.environ.get("MODEL_SERVER_TIMEOUT", "60")
model_server_workers = int(os.environ.get("MODEL_SERVER_WORKERS", cpu_count))
port = os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080")
run_dir = os.environ.get("REFERENCE_RUN_DIR", "/tmp/reference-serve")


def sigterm_handler(nginx_pid, gunicorn_pid):
    for pid in (nginx_pid, gunicorn_pid):
        try:
            os.kill(pid, signal.SIGQUIT if pid == nginx_pid else signal.SIGTERM)
        except OSError:
            pass
    sys.exit(0)


def start_server():
    print(f"Starting the inference server with {model_server_workers} workers.")
    os.makedirs(run_dir, mode=0o755, exist_ok=True)
    os.chmod(run_dir, 0o755)  # nginx workers run as nobody and must reach the socket
    socket = os.path.join(run_dir, "gunicorn.sock")
    with open(os.path.join(here, "nginx.conf")) as template:
        conf = template.read()
    conf = conf.replace("@PORT@", port).replace("@RUN_DIR@", run_dir).replace("@SOCKET@", socket)
    conf_path = os.path.join(run_dir, "nginx.conf")
    with open(conf_path, "w") as out:
        out.write(conf)

    nginx = subprocess.Popen(["nginx", "-c", conf_path])
    gunicorn = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn",
            "--timeout", str(model_server_timeout),
            "-k", "sync",
            "-b", "unix:" + socket,
            "-w", str(model_server_workers),
            "--chdir", here,
            "wsgi:app",
        ]
    )
    signal.signal(signal.SIGTERM, lambda a, b: sigterm_handler(nginx.pid, gunicorn.pid))

    # If either subprocess exits, so do we.
    pids = {nginx.pid, gunicorn.pid}
    while True:
        pid, _ = os.wait()
        if pid in pids:
            break
    sigterm_handler(nginx.pid, gunicorn.pid)
    print("Inference server exiting")


if __name__ == "__main__":
    start_server()
