import { describe, expect, it } from "vitest";
import { LoginLimiter } from "./login-limiter.ts";

describe("LoginLimiter", () => {
  it("blocks after five failures within the window and forgives once it has passed", () => {
    const limiter = new LoginLimiter(5, 15 * 60_000);
    const keys = ["ip:10.0.0.1", "user:zhangsan"];
    for (let i = 0; i < 4; i++) limiter.fail(keys, 1000 + i);
    expect(limiter.blocked(keys, 2000)).toBe(false);
    limiter.fail(keys, 2000);
    expect(limiter.blocked(keys, 2001)).toBe(true);
    // Another address trying the same account is blocked too: the account is the target.
    expect(limiter.blocked(["ip:10.0.0.2", "user:zhangsan"], 2001)).toBe(true);
    expect(limiter.blocked(keys, 2000 + 15 * 60_000)).toBe(false);
  });

  it("clears the count on a successful login", () => {
    const limiter = new LoginLimiter(2, 60_000);
    limiter.fail(["user:a"], 0);
    limiter.succeed(["user:a"]);
    limiter.fail(["user:a"], 1);
    expect(limiter.blocked(["user:a"], 2)).toBe(false);
  });
});
