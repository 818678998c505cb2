@_exported import InfAlignMath
