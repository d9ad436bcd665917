"""How a version is written in reports, as a regular expression with one group."""

# `2.6.0-dev20210620` is how a nightly prints itself (`tf.version.VERSION`); pip reads `.dev`.
# A pre-release is written `2.1.0rc1`, `2.0.0-rc1` (`tf.version.VERSION`) or `2.1.0.rc1`.
VERSION = r"v?(\d+(?:\.\d+){0,3}(?:(?:[.-]?(?:a|b|rc)|\.post|[.-]dev)\d+)?)"
