# asyncio's classic run_forever example with one coroutine that calls loop.stop()
import asyncio

# Not in the original example: Python 3.14 no longer lets get_event_loop() create a loop, so set one first.
asyncio.set_event_loop(asyncio.new_event_loop())

# one coroutine in the loop: the program exits
async def do_some_work(loop, x):
    print('Waiting ' + str(x))
    await asyncio.sleep(x)
    print('Done')
    loop.stop()

loop = asyncio.get_event_loop()
asyncio.ensure_future(do_some_work(loop, 3))
loop.run_forever()
