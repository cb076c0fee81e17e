"""Media: safe decoding of untrusted images and bounded hashing work on videos."""

from takedown.media.decode import DecodedImage, ImageLimits, decode_image
from takedown.media.errors import MediaError
from takedown.media.sniff import sniff
from takedown.media.video import VideoHashes, VideoLimits, hash_video, hash_video_file

__all__ = [
    "DecodedImage",
    "ImageLimits",
    "MediaError",
    "VideoHashes",
    "VideoLimits",
    "decode_image",
    "hash_video",
    "hash_video_file",
    "sniff",
]
