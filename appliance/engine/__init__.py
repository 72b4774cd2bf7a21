"""The llama.cpp engine, the model registry and the embedded default model.

llama-cpp-python is imported only inside this package.
"""
