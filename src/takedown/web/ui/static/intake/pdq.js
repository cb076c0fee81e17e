/* PDQ (Meta's perceptual photo hash) in plain JavaScript, written for takedown from the
 * algorithm's published description (hashing.pdf in facebook/ThreatExchange):
 *   1. luminance Y = 0.299 R + 0.587 G + 0.114 B of every pixel;
 *   2. two passes of a Jarosz box filter along rows then columns, window
 *      ceil(dimension / 128) wide, then nearest-sample decimation to 64 x 64;
 *   3. quality: the sum of absolute neighbour differences (scaled to 0-100 per 255) / 90,
 *      capped at 100;
 *   4. the 16 x 16 low-frequency block of a 2-D DCT (basis rows 1..16, DC skipped);
 *   5. one bit per coefficient: set when above the block's median; printed as 16 hex
 *      words, the last word first.
 * Nothing here touches the network: the page hashes on the device and sends only hashes.
 */
(function (root) {
  "use strict";

  var DIM = 64;
  var dct = null; // 16 x 64 DCT basis, made on first use

  function dctMatrix() {
    if (dct) return dct;
    dct = new Float64Array(16 * DIM);
    var scale = Math.sqrt(2 / DIM);
    for (var i = 0; i < 16; i++) {
      for (var j = 0; j < DIM; j++) {
        dct[i * DIM + j] = scale * Math.cos((Math.PI / 2 / DIM) * (i + 1) * (2 * j + 1));
      }
    }
    return dct;
  }

  function windowSize(oldDim) {
    return Math.floor((oldDim + 2 * DIM - 1) / (2 * DIM));
  }

  // One box-filter pass over `length` samples `stride` apart: the window grows from half its
  // size at the start, slides, and shrinks again at the end (so the mean stays centred).
  function box1d(src, dst, start, length, stride, full) {
    var half = Math.floor((full + 2) / 2);
    var p1 = half - 1, p2 = full - half + 1, p3 = length - full, p4 = half - 1;
    var li = start, ri = start, oi = start, sum = 0, n = 0, k;
    for (k = 0; k < p1; k++) { sum += src[ri]; n++; ri += stride; }
    for (k = 0; k < p2; k++) { sum += src[ri]; n++; dst[oi] = sum / n; ri += stride; oi += stride; }
    for (k = 0; k < p3; k++) {
      sum += src[ri]; sum -= src[li]; dst[oi] = sum / n;
      li += stride; ri += stride; oi += stride;
    }
    for (k = 0; k < p4; k++) { sum -= src[li]; n--; dst[oi] = sum / n; li += stride; oi += stride; }
  }

  function jarosz(a, b, rows, cols) {
    var wr = windowSize(cols), wc = windowSize(rows), pass, i, j;
    for (pass = 0; pass < 2; pass++) {
      for (i = 0; i < rows; i++) box1d(a, b, i * cols, cols, 1, wr);
      for (j = 0; j < cols; j++) box1d(b, a, j, rows, cols, wc);
    }
  }

  function decimate(a, rows, cols) {
    var out = new Float64Array(DIM * DIM);
    for (var i = 0; i < DIM; i++) {
      var ii = Math.floor(((i + 0.5) * rows) / DIM);
      for (var j = 0; j < DIM; j++) {
        var jj = Math.floor(((j + 0.5) * cols) / DIM);
        out[i * DIM + j] = a[ii * cols + jj];
      }
    }
    return out;
  }

  function quality(m) {
    var sum = 0, i, j;
    for (i = 0; i < DIM - 1; i++) {
      for (j = 0; j < DIM; j++) sum += Math.abs(Math.trunc(((m[i * DIM + j] - m[(i + 1) * DIM + j]) * 100) / 255));
    }
    for (i = 0; i < DIM; i++) {
      for (j = 0; j < DIM - 1; j++) sum += Math.abs(Math.trunc(((m[i * DIM + j] - m[i * DIM + j + 1]) * 100) / 255));
    }
    return Math.min(100, Math.floor(sum / 90));
  }

  function dct16(m) {
    var d = dctMatrix(), t = new Float64Array(16 * DIM), out = new Float64Array(256), i, j, k, s;
    for (i = 0; i < 16; i++) {
      for (j = 0; j < DIM; j++) {
        s = 0;
        for (k = 0; k < DIM; k++) s += d[i * DIM + k] * m[k * DIM + j];
        t[i * DIM + j] = s;
      }
    }
    for (i = 0; i < 16; i++) {
      for (j = 0; j < 16; j++) {
        s = 0;
        for (k = 0; k < DIM; k++) s += t[i * DIM + k] * d[j * DIM + k];
        out[i * 16 + j] = s;
      }
    }
    return out;
  }

  function bitsToHex(coeffs) {
    var sorted = Array.prototype.slice.call(coeffs).sort(function (x, y) { return x - y; });
    var median = sorted[127];
    var words = new Array(16).fill(0);
    for (var k = 0; k < 256; k++) if (coeffs[k] > median) words[k >> 4] |= 1 << (k & 15);
    var hex = "";
    for (var w = 15; w >= 0; w--) hex += ("000" + words[w].toString(16)).slice(-4);
    return hex;
  }

  /** PDQ of luminance values (rows x cols, row-major); returns {hex, quality}. */
  function fromLuma(luma, rows, cols) {
    if (rows < 1 || cols < 1) throw new Error("empty image");
    var a = Float64Array.from(luma), b = new Float64Array(rows * cols);
    jarosz(a, b, rows, cols);
    var m = decimate(a, rows, cols);
    return { hex: bitsToHex(dct16(m)), quality: quality(m) };
  }

  /** PDQ of RGBA pixels as canvas getImageData gives them (alpha ignored, as convert("RGB")). */
  function fromRGBA(data, width, height) {
    var n = width * height, luma = new Float64Array(n);
    for (var p = 0, q = 0; p < n; p++, q += 4) {
      luma[p] = 0.299 * data[q] + 0.587 * data[q + 1] + 0.114 * data[q + 2];
    }
    return fromLuma(luma, height, width);
  }

  // Pixels as stored in the file: WebGL reads them without premultiplying by alpha (a 2-D canvas
  // would zero the colour under transparent pixels, which convert("RGB") keeps).
  function pixelsWebGL(bitmap) {
    var canvas = typeof OffscreenCanvas !== "undefined"
      ? new OffscreenCanvas(1, 1) : document.createElement("canvas");
    var gl = canvas.getContext("webgl", { premultipliedAlpha: false });
    if (!gl) return null;
    var max = gl.getParameter(gl.MAX_TEXTURE_SIZE);
    if (bitmap.width > max || bitmap.height > max) return null;
    var tex = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, bitmap);
    var fb = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
    if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) return null;
    var px = new Uint8Array(bitmap.width * bitmap.height * 4);
    gl.readPixels(0, 0, bitmap.width, bitmap.height, gl.RGBA, gl.UNSIGNED_BYTE, px);
    gl.deleteFramebuffer(fb);
    gl.deleteTexture(tex);
    var lose = gl.getExtension("WEBGL_lose_context");
    if (lose) lose.loseContext();
    return px; // rows as uploaded: texture row 0 is the image's top row
  }

  function pixels2d(bitmap) {
    var canvas = typeof OffscreenCanvas !== "undefined"
      ? new OffscreenCanvas(bitmap.width, bitmap.height)
      : Object.assign(document.createElement("canvas"), { width: bitmap.width, height: bitmap.height });
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0);
    return ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  }

  /** Decode an image Blob/File on the device and hash it (no colour management, no alpha mix). */
  function fromBlob(blob) {
    return createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" })
      .then(function (bitmap) {
        var px = null;
        try { px = pixelsWebGL(bitmap); } catch (e) { px = null; }
        if (!px) px = pixels2d(bitmap);
        var out = fromRGBA(px, bitmap.width, bitmap.height);
        bitmap.close();
        return out;
      });
  }

  root.TakedownPDQ = { fromLuma: fromLuma, fromRGBA: fromRGBA, fromBlob: fromBlob };
})(typeof self !== "undefined" ? self : this);
