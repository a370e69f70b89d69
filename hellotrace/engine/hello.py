"""What ``/hello`` prints in the mock engine's hello-world image.

It follows the real message's structure and meaning (a greeting, the four numbered steps,
suggestions) in hellotrace's own words. The program writes it with a single ``write(2)``, so
attach and logs carry it as one stdout frame, like the real 807-byte message.
"""

from __future__ import annotations

HELLO_MESSAGE: bytes = b"""
Hello from hellotrace's mock Docker engine!
If you can read this, your docker client and the daemon it talks to work.

Here is what just happened, step by step:
 1. The docker client contacted the Docker daemon.
 2. The daemon pulled the "hello-world" image from a simulated Docker Hub.
    (amd64)
 3. The daemon created a new container from that image. The container runs
    the executable that produced the text you are reading now.
 4. The daemon streamed that text to the docker client, which sent it to
    your terminal.

Try containers that do a little more:
 $ docker run --rm alpine echo hello world
 $ docker run --rm busybox uname -a

Watch every request and response of these four steps, and read the lessons,
on the hellotrace site.

"""
