// Added to a copy of the Snakemake report by tests/test_report.py: clicks through the report as
// a reader would (menu -> category -> subcategory -> each row's view and info buttons) and
// writes what the page showed, as JSON, into a pre element (id inputgen-check) that --dump-dom
// returns.
// Per row: its labels, what the view button showed (an image, an HTML page in a frame, or a
// download link) and which result that is, the caption panel's text, and for an image what the
// browser drew: its size, the standard deviation of its pixels and the mean colour of GRID x
// GRID blocks, which the test compares with the PNG on disk.
(function () {
  const out = { done: false, errors: [], entries: [] };
  window.addEventListener("error", (event) => out.errors.push(String(event.message)));
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const nav = () => document.querySelector("#app nav");
  const content = () => document.querySelector("#app > div").lastElementChild;
  const pathOf = {};
  for (const [path, result] of Object.entries(results)) pathOf[result.data_uri] = path;

  function clickMenuItem(label) {
    const link = [...nav().querySelectorAll("li > a")].find(
      (a) => a.textContent.trim() === label
    );
    if (!link) throw new Error(`the menu shows no item ${label}`);
    link.click();
  }

  // (Not img.decode(): under --virtual-time-budget its promise never settles.)
  async function loaded(img) {
    if (!img.complete) {
      await new Promise((resolve) => {
        img.addEventListener("load", resolve, { once: true });
        img.addEventListener("error", resolve, { once: true });
      });
    }
    return img;
  }

  const GRID = 8;
  function drawn(img) {
    const width = img.naturalWidth, height = img.naturalHeight;
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    const data = context.getImageData(0, 0, width, height).data;
    const blocks = new Array(GRID * GRID * 4).fill(0);
    const counts = new Array(GRID * GRID).fill(0);
    let sum = 0, square = 0;
    for (let y = 0; y < height; y++) {
      const row = Math.floor((y * GRID) / height);
      for (let x = 0; x < width; x++) {
        const block = row * GRID + Math.floor((x * GRID) / width);
        const i = (y * width + x) * 4;
        counts[block]++;
        for (let c = 0; c < 4; c++) blocks[block * 4 + c] += data[i + c];
        for (let c = 0; c < 3; c++) {
          sum += data[i + c];
          square += data[i + c] * data[i + c];
        }
      }
    }
    const n = width * height * 3;
    const mean = sum / n;
    return {
      width,
      height,
      std: Math.sqrt(Math.max(0, square / n - mean * mean)),
      blocks: blocks.map((value, i) => value / counts[Math.floor(i / 4)]),
    };
  }

  async function view(entry, button) {
    if (button.hasAttribute("download")) {
      entry.kind = "download";
      entry.path = pathOf[button.getAttribute("href")];
      return;
    }
    button.click();
    await wait(20);
    const img = content().querySelector("img");
    const frame = content().querySelector("iframe");
    if (img) {
      await loaded(img);
      entry.kind = "img";
      entry.path = pathOf[img.getAttribute("src")];
      Object.assign(entry, img.naturalWidth ? drawn(img) : { width: 0, height: 0 });
    } else if (frame) {
      entry.kind = "html";
      entry.path = pathOf[frame.getAttribute("src")];
    } else {
      entry.kind = "nothing shown";
    }
  }

  async function run() {
    await wait(100);
    for (const category of Object.keys(categories)) {
      for (const subcategory of Object.keys(categories[category])) {
        app.setView({ navbarMode: "menu" });
        await wait(20);
        clickMenuItem(category);
        await wait(20);
        if (Object.keys(categories[category]).length > 1) {
          clickMenuItem(subcategory);
          await wait(20);
        }
        const count = nav().querySelectorAll("table tbody tr").length;
        for (let row = 0; row < count; row++) {
          const cells = nav().querySelectorAll("table tbody tr")[row].querySelectorAll("td");
          const buttons = cells[cells.length - 1].querySelectorAll("a");
          const entry = {
            category,
            subcategory,
            labels: [...cells].slice(0, -1).map((td) => td.textContent),
          };
          out.entries.push(entry);
          await view(entry, buttons[0]);
          buttons[1].click(); // the info button: the caption panel
          await wait(20);
          entry.caption = nav().innerText;
          app.setView({ navbarMode: "subcategory" });
          await wait(20);
        }
      }
    }
  }

  run()
    .catch((error) => out.errors.push(String((error && error.stack) || error)))
    .finally(() => {
      out.done = true;
      const pre = document.createElement("pre");
      pre.id = "inputgen-check";
      pre.textContent = JSON.stringify(out);
      document.body.appendChild(pre);
    });
})();
