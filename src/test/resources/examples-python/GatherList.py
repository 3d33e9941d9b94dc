# asyncio's classic "Several coroutines" example: the coroutines kept in a list first
import asyncio

# Not in the original example: Python 3.14 no longer lets get_event_loop() create a loop, so set one first.
asyncio.set_event_loop(asyncio.new_event_loop())

async def do_some_work(x):
    print("Waiting " + str(x))
    await asyncio.sleep(x)

loop = asyncio.get_event_loop()
coros = [do_some_work(1), do_some_work(3)]
loop.run_until_complete(asyncio.gather(*coros))
