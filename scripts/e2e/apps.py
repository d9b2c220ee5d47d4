#!/usr/bin/env python3
"""Tiffin's three apps in real headless Chromium, as people use them (selenium + chromium-driver).

    scripts/e2e/apps.py http://localhost:8080 [--screenshots DIR] [--sizes phone,desktop]

Against a fresh `tiffin serve` with the demo city, at each screen size, three browsers at once:

1. The restaurant (demo staff, one-click sign-in from the home page's link) opens its order board;
   the courier (demo courier) goes online in the drive mode.
2. The customer signs in, picks a demo address, orders from Forno Rosenthaler with the sandbox's
   approving card, and sees the order confirmed live.
3. The restaurant's board shows the new order with its accept countdown; the restaurant accepts
   it with a preparation time, starts preparing and marks it ready, on the board.
4. The courier gets the offer with its countdown and accepts it, drives to the restaurant, picks
   the food up, drives to the customer and delivers.
5. Meanwhile the customer's page — never reloaded — shows "Picked up", the courier's position
   changing on the map, and then "Delivered"; the restaurant's revenue for today counts it.

Screenshots of every app at each size go to --screenshots (docs/screenshots in the repository).
Every page shot is also audited with axe-core (from PyPI's axe-playwright-python wheel, run in
the page through Selenium) against WCAG 2.1 A and AA: contrast, labels, names, roles,
landmarks; any violation fails the run. The key steps — accepting an order, going online,
accepting an offer — are done with the keyboard only (Tab, typing, Enter).
The run fails on any JavaScript error or failed request in any browser's console. Loopback only;
each step waits a bounded time.
"""
import argparse
import importlib.util
import os
import re
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

SIZES = {"phone": (412, 915), "desktop": (1280, 900)}
RESTAURANT = "Forno Rosenthaler"


def browser(size):
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={size[0]},{size[1]}",
                 "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=Service(executable_path=driver_path))


def axe_source():
    """axe-core's script, shipped inside the axe-playwright-python wheel (installed without its deps)."""
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None:
        sys.exit("e2e: axe-core not found: python3 -m pip install --no-deps axe-playwright-python==0.1.8")
    with open(os.path.join(spec.submodule_search_locations[0], "axe.min.js"), encoding="utf-8") as file:
        return file.read()


AXE = axe_source()


def audit(driver, name):
    """WCAG 2.1 A and AA violations on the page as it is now, as readable lines."""
    driver.execute_script(AXE)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then((r) => done(r.violations.map((v) => ({id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3)}))))"
        ".catch((e) => done([{id: 'axe-error', help: String(e), nodes: []}]));"
    )
    return [f"{name}: {v['id']}: {v['help']} at {', '.join(v['nodes'])}" for v in result]


def press_when_settled(driver, locator, *keys, attempts=5):
    """Presses `keys` on the element at `locator` (clicks it when no keys are given), found again if
    the page re-rendered it in the meantime (a list redrawn as the live message and the fetched list
    both arrive)."""
    for attempt in range(attempts):
        try:
            element = WebDriverWait(driver, 20, ignored_exceptions=[StaleElementReferenceException]).until(
                EC.element_to_be_clickable(locator))
            if keys:
                keyboard(driver, element, *keys)
            else:
                element.click()
            return
        except StaleElementReferenceException:
            if attempt == attempts - 1:
                raise


def keyboard(driver, element, *keys):
    """Focuses `element` as Tab would, then types `keys` into whatever has the focus."""
    driver.execute_script("arguments[0].focus()", element)
    active = driver.switch_to.active_element
    for key in keys:
        active.send_keys(key)
        active = driver.switch_to.active_element


def console_errors(driver):
    """Every SEVERE console entry since the last call: script errors and failed requests."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def text(driver, element_id):
    found = driver.find_elements(By.ID, element_id)
    return found[0].text if found else ""


class Journey:
    def __init__(self, base, size_name, shots_dir):
        self.base = base
        self.size_name = size_name
        self.shots_dir = shots_dir
        size = SIZES[size_name]
        self.customer = browser(size)
        self.restaurant = browser(size)
        self.courier = browser(size)
        self.violations = []

    def drivers(self):
        return {"customer": self.customer, "restaurant": self.restaurant, "courier": self.courier}

    def shot(self, driver, name):
        if self.shots_dir:
            os.makedirs(self.shots_dir, exist_ok=True)
            driver.execute_script("window.scrollTo(0, 0)")
            driver.save_screenshot(os.path.join(self.shots_dir, f"{name}-{self.size_name}.png"))
        self.violations += audit(driver, f"{name}-{self.size_name}")

    def step(self, what):
        print(f"e2e: {self.size_name}: {what}", flush=True)

    def run(self):
        base = self.base
        r, c, k = self.restaurant, self.courier, self.customer
        # The apps redraw from live messages, so an element read between two redraws can go stale:
        # every wait reads the page again rather than failing on that.
        wait = lambda d, seconds=20: WebDriverWait(  # noqa: E731
            d, seconds, ignored_exceptions=[StaleElementReferenceException])

        # 1. The restaurant and the courier sign in with the home page's one-click links.
        k.get(base + "/")
        self.shot(k, "home")
        r.get(base + "/restaurant/#/signin/demo")
        wait(r).until(EC.presence_of_element_located((By.ID, "column-new")))
        wait(r).until(lambda d: "Live" in text(d, "live-state"))
        c.get(base + "/courier/#/signin/demo")
        wait(c).until(EC.element_to_be_clickable((By.ID, "online-toggle")))
        Select(c.find_element(By.ID, "speed")).select_by_value("5")
        if "Go online" in c.find_element(By.ID, "online-toggle").text:  # still online from the run at the other size
            keyboard(c, c.find_element(By.ID, "online-toggle"), Keys.ENTER)
        wait(c).until(lambda d: "Online" in text(d, "courier-state"))
        self.step("the restaurant's board is live and the courier is online (drive mode)")

        # 2. The customer orders.
        k.get(base + "/app/")
        wait(k).until(EC.element_to_be_clickable((By.ID, "demo-signin"))).click()
        wait(k).until(EC.element_to_be_clickable((By.XPATH, "//button[contains(., 'Weinbergsweg')]"))).click()
        wait(k).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "a.restaurant-link")))
        self.shot(k, "customer-restaurants")
        k.find_element(By.LINK_TEXT, RESTAURANT).click()
        forms = wait(k).until(lambda d: d.find_elements(By.CSS_SELECTOR, "main form"))
        plain = next(
            f for f in forms
            if not f.find_elements(By.TAG_NAME, "fieldset") and f.find_element(By.CSS_SELECTOR, "button[type=submit]").is_enabled()
        )
        quantity = plain.find_element(By.CSS_SELECTOR, "input[name=quantity]")
        quantity.clear()
        quantity.send_keys("4")  # above any demo restaurant's minimum order
        plain.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(k).until(lambda d: "Basket (4)" in d.find_element(By.ID, "nav").text)
        k.find_element(By.LINK_TEXT, "Basket (4)").click()
        place = wait(k).until(EC.element_to_be_clickable((By.ID, "place-order")))
        self.shot(k, "customer-basket")
        place.click()
        wait(k).until(lambda d: "#/orders/" in d.current_url)
        order = k.current_url.rsplit("/", 1)[-1]
        wait(k).until(lambda d: "Confirmed" in text(d, "order-status"))
        wait(k).until(lambda d: "Activity •" in d.find_element(By.ID, "nav").text)  # the notification, live
        self.step(f"the customer ordered {order} and saw it confirmed")

        # 3. The restaurant hears it, with the accept countdown, and moves it through the kitchen.
        countdown = wait(r).until(lambda d: d.find_element(By.CSS_SELECTOR, f"#order-{order} .countdown").text)
        assert re.fullmatch(r"\d+:\d\d", countdown), f"accept countdown reads {countdown!r}"
        self.shot(r, "restaurant-board")
        # Accepted with the keyboard only: into the minutes field, type, Tab to Accept, Enter.
        press_when_settled(r, (By.ID, f"prep-{order}"), Keys.CONTROL + "a", "2", Keys.TAB, Keys.ENTER)
        press_when_settled(r, (By.ID, f"preparing-{order}"))
        press_when_settled(r, (By.ID, f"ready-{order}"))
        wait(r).until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#column-ready #order-{order}"))
        wait(k).until(lambda d: "Ready" in text(d, "order-status"))
        self.step("the restaurant accepted it (ready in 2 min), prepared it and marked it ready; the customer saw each step")

        # 4. The courier gets the offer, accepts, drives, picks up and delivers.
        accept = (By.CSS_SELECTOR, "[id^=accept-offer-]")
        wait(c, 60).until(EC.element_to_be_clickable(accept))
        wait(c).until(
            lambda d: re.fullmatch(r"\d+:\d\d", d.find_element(By.CSS_SELECTOR, "#offers .countdown").text))
        self.shot(c, "courier-offer")
        press_when_settled(c, accept, Keys.ENTER)
        wait(c).until(EC.presence_of_element_located((By.ID, f"job-{order}")))
        wait(r).until(lambda d: "ourier" in text(d, f"courier-{order}"))
        self.step("the courier accepted the offer")
        wait(c, 180).until(lambda d: re.search(r"\b\d+ m to the pickup", text(d, "position")) and
                           int(re.search(r"(\d+) m to the pickup", text(d, "position")).group(1)) <= 10)
        self.shot(c, "courier-pickup")
        press_when_settled(c, (By.ID, f"pickup-{order}"))
        wait(k).until(lambda d: "Picked up" in text(d, "order-status"))
        self.step("the courier drove to the restaurant and picked the food up")

        # 5. The customer's page shows the courier moving, with no reload.
        wait(k).until(lambda d: "Courier at" in text(d, "courier-position"))
        first = text(k, "courier-position")
        wait(k, 30).until(lambda d: "Courier at" in text(d, "courier-position") and text(d, "courier-position") != first)
        self.shot(k, "customer-tracking")
        self.step(f"the customer saw the courier move: {first!r} → {text(k, 'courier-position')!r}")
        wait(c, 180).until(lambda d: re.search(r"(\d+) m to the drop-off", text(d, "position")) and
                           int(re.search(r"(\d+) m to the drop-off", text(d, "position")).group(1)) <= 10)
        press_when_settled(c, (By.ID, f"deliver-{order}"))
        wait(k).until(lambda d: "Delivered" in text(d, "order-status"))
        wait(r).until(lambda d: not d.find_elements(By.ID, f"order-{order}"))
        wait(r).until(lambda d: text(d, "revenue") and not text(d, "revenue").startswith("€0.00"))
        self.step(f"delivered; the restaurant's revenue today reads {text(r, 'revenue')}")
        assert k.execute_script("return performance.getEntriesByType('navigation').length") == 1

        # The other pages of each app, for the screenshots (and their console).
        c.get(base + "/courier/#/earnings")
        wait(c).until(EC.presence_of_element_located((By.ID, "earned-today")))
        self.shot(c, "courier-earnings")
        r.get(base + "/restaurant/#/menu")
        wait(r).until(EC.presence_of_element_located((By.ID, "new-section")))
        self.shot(r, "restaurant-menu")
        r.get(base + "/restaurant/#/settings")
        wait(r).until(EC.presence_of_element_located((By.ID, "save-hours")))
        self.shot(r, "restaurant-hours")
        return order

    def quit(self):
        for driver in self.drivers().values():
            driver.quit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--screenshots")
    parser.add_argument("--sizes", default="phone,desktop")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    failures = []
    for size_name in args.sizes.split(","):
        journey = Journey(base, size_name, args.screenshots)
        try:
            journey.run()
            failures.extend(f"{size_name}: WCAG: {v}" for v in journey.violations)
            print(f"e2e: {size_name}: the whole journey passed; axe found {len(journey.violations)} WCAG 2.1 AA violations", flush=True)
        except Exception as error:  # noqa: BLE001 - any failure fails the run, with where it was
            failures.append(f"{size_name}: {type(error).__name__}: {error}")
            for name, driver in journey.drivers().items():
                driver.save_screenshot(f"/tmp/tiffin-e2e-failure-{size_name}-{name}.png")
        for name, driver in journey.drivers().items():
            failures.extend(f"{size_name}: {name}: console: {message}" for message in console_errors(driver))
        journey.quit()
    for failure in failures:
        print(f"e2e: FAILED {failure}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
