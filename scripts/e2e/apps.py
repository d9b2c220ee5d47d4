#!/usr/bin/env python3
"""Tiffin's apps in real headless Chromium, as a person uses them (selenium + chromium-driver).

    scripts/e2e/apps.py http://localhost:8080 [--screenshots DIR]

Against a running `tiffin serve` with the demo city. The customer signs in with the demo
button, picks a demo address, opens Forno Rosenthaler (the demo staff's restaurant), adds an
item, checks out with the sandbox's approving card and lands on the live order page, which must
show the order confirmed and its notification arrive live. Then the restaurant accepts it (over
the API, as the demo staff) and the page must show "Accepted" with no reload. The run fails on
any JavaScript error or failed request in the browser's console. Loopback only; each step waits
at most 20 s.
"""
import argparse
import json
import os
import urllib.request
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PHONE = (412, 915)
DESKTOP = (1280, 900)


def browser(size):
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={size[0]},{size[1]}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=Service(executable_path=driver_path))


def call(base, method, path, body=None, token=None):
    """One API call; returns the decoded answer."""
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=20) as response:
        text = response.read()
        return json.loads(text) if text else None


def console_errors(driver):
    """Every SEVERE console entry since the last call: script errors and failed requests."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def customer_orders(base, driver, shots):
    wait = WebDriverWait(driver, 20)
    driver.get(base + "/app/")
    wait.until(EC.element_to_be_clickable((By.ID, "demo-signin"))).click()
    wait.until(EC.element_to_be_clickable((By.XPATH, "//button[contains(., 'Weinbergsweg')]"))).click()
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "a.restaurant-link")))
    shots("customer-restaurants")
    driver.find_element(By.LINK_TEXT, "Forno Rosenthaler").click()
    forms = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "main form"))
    plain = next(
        f for f in forms
        if not f.find_elements(By.TAG_NAME, "fieldset") and f.find_element(By.CSS_SELECTOR, "button[type=submit]").is_enabled()
    )
    quantity = plain.find_element(By.CSS_SELECTOR, "input[name=quantity]")
    quantity.clear()
    quantity.send_keys("4")  # above any demo restaurant's minimum order
    plain.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: "Basket (4)" in d.find_element(By.ID, "nav").text)
    driver.find_element(By.LINK_TEXT, "Basket (4)").click()
    place = wait.until(EC.element_to_be_clickable((By.ID, "place-order")))
    shots("customer-basket")
    place.click()
    wait.until(lambda d: "#/orders/" in d.current_url)
    wait.until(lambda d: "Confirmed" in d.find_element(By.ID, "order-status").text)
    # The confirmation's notification arrives over the live connection, with no reload: the
    # activity link is marked (it stays marked, unlike the toast that also announces it).
    wait.until(lambda d: "Activity •" in d.find_element(By.ID, "nav").text)
    order = driver.current_url.rsplit("/", 1)[-1]
    # The restaurant accepts: the page hears the event live.
    staff = call(base, "POST", "/v1/auth/login", {"email": "staff@tiffin.demo", "password": "tiffin-demo"})["token"]
    call(base, "POST", f"/v1/orders/{order}/accept", {}, token=staff)
    wait.until(lambda d: "Accepted" in d.find_element(By.ID, "order-status").text)
    shots("customer-order")
    return order


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--screenshots")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    failures = []
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        driver = browser(size)

        def shots(name):
            if args.screenshots:
                os.makedirs(args.screenshots, exist_ok=True)
                driver.save_screenshot(os.path.join(args.screenshots, f"{name}-{size_name}.png"))

        try:
            order = customer_orders(base, driver, shots)
            print(f"e2e: {size_name}: the customer ordered {order}, saw it confirmed and accepted live")
        except Exception as error:  # noqa: BLE001 - any failure fails the run, with where it was
            failures.append(f"{size_name}: {type(error).__name__}: {error}")
            driver.save_screenshot(f"/tmp/tiffin-e2e-failure-{size_name}.png")
        errors = console_errors(driver)
        if errors:
            failures.extend(f"{size_name}: console: {message}" for message in errors)
        driver.quit()
    for failure in failures:
        print(f"e2e: FAILED {failure}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
