# asyncio's classic "loop.close" example: a closed loop cannot run again
import asyncio

# Not in the original example: Python 3.14 no longer lets get_event_loop() create a loop, so set one first.
asyncio.set_event_loop(asyncio.new_event_loop())

async def do_some_work(loop, x):
    print('Waiting ' + str(x))
    await asyncio.sleep(x)
    print('Done')

loop = asyncio.get_event_loop()

loop.run_until_complete(do_some_work(loop, 1))
loop.close()
loop.run_until_complete(do_some_work(loop, 3))  # raises here
