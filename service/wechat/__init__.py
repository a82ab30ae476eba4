"""The WeChat push protocol: signatures, the safe-mode AES envelope, message formats and the server API."""
