# asyncio's classic "Timer" example: a timer made of ensure_future(asyncio.sleep(x)) and a done callback
import asyncio

# Not in the original example: Python 3.14 no longer lets get_event_loop() create a loop, so set one first.
asyncio.set_event_loop(asyncio.new_event_loop())

loop = asyncio.get_event_loop()

async def timer(x, cb):
    futu = asyncio.ensure_future(asyncio.sleep(x))
    futu.add_done_callback(cb)
    await futu

t = timer(3, lambda futu: print('Done'))
loop.run_until_complete(t)
