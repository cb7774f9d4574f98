"""One ranker request with our own retries: backoff with jitter, Retry-After, invalid replies retried too."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from core.ranker.prompt import Answer, ReplyError, parse_reply

# Statuses worth another try (as the openai client itself treats them); anything else is a final answer.
RETRY_STATUSES = {408, 409, 429}
# Statuses that would fail every prompt of the run alike: stop instead of burning through the list.
FATAL_STATUSES = {401, 403, 404}


class FatalRankerError(RuntimeError):
    """The endpoint refuses the whole run (bad key, no access, unknown model or URL)."""


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4  # extra requests per prompt, whatever went wrong
    base_delay_s: float = 2.0
    max_delay_s: float = 120.0
    jitter: float = 0.5  # the delay is stretched by a random factor in [1, 1 + jitter]

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Delay before retry number `retry` (0-based): exponential, capped, with jitter."""
        return min(self.max_delay_s, self.base_delay_s * 2**retry) * (1 + self.jitter * rng.random())


@dataclass
class Outcome:
    answer: Answer | None
    error: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    log: list[str] = field(default_factory=list)  # one short note per failed attempt


def retry_after_s(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from `retry-after-ms` or `Retry-After` (seconds or an HTTP date), if the server sent one."""
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    try:
        if millis is not None:
            return max(0.0, float(millis) / 1000)
    except ValueError:
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _describe(exc: Exception) -> tuple[str, bool, float | None]:
    """(message, retryable, server-requested delay) for an exception raised by the openai client."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "request timed out", True, None
    if isinstance(exc, openai.APIConnectionError):
        return f"connection error: {exc}", True, None
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        message = f"HTTP {status}: {str(exc.message)[:200]}"
        if status in FATAL_STATUSES:
            raise FatalRankerError(message) from exc
        retryable = status in RETRY_STATUSES or status >= 500
        return message, retryable, retry_after_s(exc.response.headers)
    if isinstance(exc, openai.OpenAIError):
        return f"{type(exc).__name__}: {str(exc)[:200]}", False, None
    raise exc


def rank_one(
    send: Callable[[], object],
    anchors: tuple[str, ...],
    policy: RetryPolicy,
    rng: random.Random,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Call `send()` (one chat completion) until a valid answer or the retry budget runs out."""
    outcome = Outcome(answer=None, error=None)
    for attempt in range(policy.max_retries + 1):
        outcome.attempts = attempt + 1
        wait: float | None = None
        try:
            completion = send()
        except Exception as exc:
            message, retryable, wait = _describe(exc)
            outcome.log.append(message)
            if not retryable:
                outcome.error = message
                return outcome
        else:
            usage = getattr(completion, "usage", None)
            if usage is not None:
                # Every attempt is billed, so the recorded usage is the sum over attempts.
                outcome.prompt_tokens += usage.prompt_tokens or 0
                outcome.completion_tokens += usage.completion_tokens or 0
            choices = getattr(completion, "choices", None) or []
            content = choices[0].message.content if choices else None
            try:
                outcome.answer = parse_reply(content, anchors)
                outcome.error = None
                return outcome
            except ReplyError as exc:
                message = f"invalid reply: {exc}"
                outcome.log.append(message)
        if attempt < policy.max_retries:
            delay = policy.backoff(attempt, rng)
            sleep(max(delay, wait) if wait is not None else delay)
    outcome.error = f"{outcome.log[-1]} (gave up after {outcome.attempts} attempts)"
    return outcome
