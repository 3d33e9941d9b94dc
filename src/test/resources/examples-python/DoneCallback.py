# asyncio's classic "Callbacks" example: add_done_callback on the future
import asyncio

# Not in the original example: Python 3.14 no longer lets get_event_loop() create a loop, so set one first.
asyncio.set_event_loop(asyncio.new_event_loop())

async def do_some_work(x):
    print("Waiting " + str(x))
    await asyncio.sleep(x)

loop = asyncio.get_event_loop()

def done_callback(futu):
    print('Done')

futu = asyncio.ensure_future(do_some_work(3))
futu.add_done_callback(done_callback)

loop.run_until_complete(futu)
