"""Dify workflow apps over HTTP: blocking and streamed runs, retries, file downloads."""

from adapters.dify.client import DifyOptions, new_client
from adapters.dify.retry import RetryPolicy
from adapters.dify.runner import DifyWorkflowRunner

__all__ = ["DifyOptions", "DifyWorkflowRunner", "RetryPolicy", "new_client"]
