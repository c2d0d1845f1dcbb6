# The kit's pytest plugin gives the suites `--solutions`, the learner's functions as fixtures and
# short failure messages; see mnistkit/plugin.py.
pytest_plugins = ["mnistkit.plugin"]
