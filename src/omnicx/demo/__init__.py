"""The demo retailer: a synthetic omnichannel retailer with ground truth (see docs/demo.md).

``omnicx.demo.generator.generate`` writes its source files; import it from there, so that
importing this package stays cheap.
"""
