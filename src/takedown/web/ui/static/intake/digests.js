/* SHA-256 (FIPS 180-4) and MD5 (RFC 1321) in plain JavaScript, incremental over byte chunks, so
 * that a large video is read in slices and never held whole. Written for takedown; WebCrypto is
 * not used because it exists only on https:// pages, and MD5 is not in it at all.
 */
(function (root) {
  "use strict";

  var K256 = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);

  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
  function rotl(x, n) { return (x << n) | (x >>> (32 - n)); }

  // A 64-byte block hasher with the padding shared by both digests (length in bits at the end).
  function Blocks(compress, bigEndian) {
    this.buf = new Uint8Array(64); this.fill = 0; this.bytes = 0;
    this.compress = compress; this.bigEndian = bigEndian;
  }
  Blocks.prototype.update = function (data) {
    for (var i = 0; i < data.length; i++) {
      this.buf[this.fill++] = data[i];
      if (this.fill === 64) { this.compress(this.buf); this.fill = 0; }
    }
    this.bytes += data.length;
  };
  Blocks.prototype.finish = function () {
    var bits = this.bytes * 8, tail = new Uint8Array(((this.fill < 56 ? 56 : 120) - this.fill) + 8);
    tail[0] = 0x80;
    var hi = Math.floor(bits / 0x100000000), lo = bits >>> 0, n = tail.length;
    for (var i = 0; i < 4; i++) {
      if (this.bigEndian) { tail[n - 1 - i] = (lo >>> (8 * i)) & 255; tail[n - 5 - i] = (hi >>> (8 * i)) & 255; }
      else { tail[n - 8 + i] = (lo >>> (8 * i)) & 255; tail[n - 4 + i] = (hi >>> (8 * i)) & 255; }
    }
    var bytes = this.bytes; this.update(tail); this.bytes = bytes;
  };

  function hex(words, bigEndian) {
    var out = "";
    for (var i = 0; i < words.length; i++) {
      for (var b = 0; b < 4; b++) {
        var shift = bigEndian ? 24 - 8 * b : 8 * b;
        out += ("0" + ((words[i] >>> shift) & 255).toString(16)).slice(-2);
      }
    }
    return out;
  }

  function Sha256() {
    var h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    var w = new Uint32Array(64);
    this.blocks = new Blocks(function (p) {
      var i, t1, t2;
      for (i = 0; i < 16; i++) w[i] = (p[4 * i] << 24) | (p[4 * i + 1] << 16) | (p[4 * i + 2] << 8) | p[4 * i + 3];
      for (i = 16; i < 64; i++) {
        var s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        var s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i++) {
        t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i]) | 0;
        t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }, true);
    this.h = h;
  }
  Sha256.prototype.update = function (d) { this.blocks.update(d); return this; };
  Sha256.prototype.hex = function () { this.blocks.finish(); return hex(this.h, true); };

  var S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  var KMD5 = new Int32Array(64);
  for (var i = 0; i < 64; i++) KMD5[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) | 0;

  function Md5() {
    var h = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
    var m = new Int32Array(16);
    this.blocks = new Blocks(function (p) {
      for (var j = 0; j < 16; j++) m[j] = p[4 * j] | (p[4 * j + 1] << 8) | (p[4 * j + 2] << 16) | (p[4 * j + 3] << 24);
      var a = h[0], b = h[1], c = h[2], d = h[3], f, g, t;
      for (var r = 0; r < 64; r++) {
        if (r < 16) { f = (b & c) | (~b & d); g = r; }
        else if (r < 32) { f = (d & b) | (~d & c); g = (5 * r + 1) % 16; }
        else if (r < 48) { f = b ^ c ^ d; g = (3 * r + 5) % 16; }
        else { f = c ^ (b | ~d); g = (7 * r) % 16; }
        t = d; d = c; c = b;
        b = (b + rotl((a + f + KMD5[r] + m[g]) | 0, S[(r >> 4) * 4 + (r & 3)])) | 0;
        a = t;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
    }, false);
    this.h = h;
  }
  Md5.prototype.update = function (d) { this.blocks.update(d); return this; };
  Md5.prototype.hex = function () { this.blocks.finish(); return hex(this.h, false); };

  /** SHA-256 and MD5 of a Blob/File, read in 4 MiB slices; resolves {sha256, md5}. */
  function ofBlob(blob, onProgress) {
    var sha = new Sha256(), md5 = new Md5(), step = 4 << 20, at = 0;
    function next() {
      if (at >= blob.size) return Promise.resolve({ sha256: sha.hex(), md5: md5.hex() });
      return blob.slice(at, at + step).arrayBuffer().then(function (buf) {
        var bytes = new Uint8Array(buf);
        sha.update(bytes); md5.update(bytes); at += bytes.length;
        if (onProgress) onProgress(at / blob.size);
        return next();
      });
    }
    return next();
  }

  root.TakedownDigests = { Sha256: Sha256, Md5: Md5, ofBlob: ofBlob };
})(typeof self !== "undefined" ? self : this);
