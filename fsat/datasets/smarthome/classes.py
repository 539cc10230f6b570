# Copyright (c) fsat contributors. All rights reserved.
"""The action classes of Toyota Smarthome (trimmed), in one place.

:data:`SMARTHOME_CLASSES` is the 31-class table of the cross-subject
protocol, 0-based, in the order of the skeleton code of the public 2s-AGCN
port (``YangDi666/2s-AGCN-For-Daily-Living:data_gen/
smarthome_gendata.py``). :data:`SMARTHOME_CV_CLASSES` is the 19-class
subset of the cross-view protocols, re-indexed 0..18 in the order of that
port's cross-view table.

Quirks of the public code, and what fsat does:

* **Usetablet / Usetelephone.** The port's 31-class table puts
  ``Usetelephone`` (27) before ``Usetablet`` (28); its 19-class cross-view
  table is alphabetical, ``Usetablet`` (16) before ``Usetelephone`` (17),
  and other repositories use either order in either table. fsat keeps the
  port's two tables exactly as they are, so label files and classifier
  weights of the public skeleton models match fsat's labels index for
  index; a cross-view label is therefore *not* the rank of its class in
  the 31-class table (see :func:`smarthome_label`).
* **The RGB code is 1-based.** The public RGB loader (srijandas07's
  ``_name_to_int``) numbers classes from 1 and returns 0 for a name it does
  not know, so a misspelt class silently becomes a valid label. fsat labels
  are 0-based and an unknown class is an error naming the sample.
"""
from typing import Dict, Tuple

__all__ = [
    'SMARTHOME_CLASSES', 'SMARTHOME_CV_CLASSES', 'smarthome_classes',
    'smarthome_label'
]

#: The 31 classes of the cross-subject protocol; label = index (0-based).
SMARTHOME_CLASSES: Tuple[str, ...] = (
    'Cook.Cleandishes',
    'Cook.Cleanup',
    'Cook.Cut',
    'Cook.Stir',
    'Cook.Usestove',
    'Cutbread',
    'Drink.Frombottle',
    'Drink.Fromcan',
    'Drink.Fromcup',
    'Drink.Fromglass',
    'Eat.Attable',
    'Eat.Snack',
    'Enter',
    'Getup',
    'Laydown',
    'Leave',
    'Makecoffee.Pourgrains',
    'Makecoffee.Pourwater',
    'Maketea.Boilwater',
    'Maketea.Insertteabag',
    'Pour.Frombottle',
    'Pour.Fromcan',
    'Pour.Fromkettle',
    'Readbook',
    'Sitdown',
    'Takepills',
    'Uselaptop',
    'Usetelephone',
    'Usetablet',
    'Walk',
    'WatchTV',
)

#: The 19 classes of the cross-view protocols; CV label = index (0..18).
SMARTHOME_CV_CLASSES: Tuple[str, ...] = (
    'Cutbread',
    'Drink.Frombottle',
    'Drink.Fromcan',
    'Drink.Fromcup',
    'Drink.Fromglass',
    'Eat.Attable',
    'Eat.Snack',
    'Enter',
    'Getup',
    'Leave',
    'Pour.Frombottle',
    'Pour.Fromcan',
    'Readbook',
    'Sitdown',
    'Takepills',
    'Uselaptop',
    'Usetablet',
    'Usetelephone',
    'Walk',
)

_TABLES: Dict[str, Tuple[str, ...]] = {
    'all': SMARTHOME_CLASSES,
    'cv': SMARTHOME_CV_CLASSES,
}


def smarthome_classes(table: str = 'all') -> Tuple[str, ...]:
    """The class names of a label table.

    Args:
        table (str): ``'all'`` (31 classes, cross-subject) or ``'cv'``
            (19 classes, cross-view). Defaults to ``'all'``.

    Returns:
        tuple[str]: Class names indexed by label.
    """
    if table not in _TABLES:
        raise ValueError(f"Unknown Toyota Smarthome class table {table!r}: "
                         "expected 'all' (31 classes) or 'cv' (19 classes)")
    return _TABLES[table]


def smarthome_label(activity: str, table: str = 'all') -> int:
    """The 0-based label of an activity in a label table.

    Args:
        activity (str): The class name as written in a sample name, e.g.
            ``'Cook.Cleandishes'``.
        table (str): ``'all'`` or ``'cv'``, see :func:`smarthome_classes`.

    Returns:
        int: The label; e.g. ``'Usetablet'`` is 28 in ``'all'`` and 16 in
        ``'cv'``.

    Raises:
        ValueError: If the activity is not in the table.
    """
    classes = smarthome_classes(table)
    if activity not in classes:
        raise ValueError(f'{activity!r} is not a class of the Toyota '
                         f'Smarthome {table!r} table ({len(classes)} '
                         'classes)')
    return classes.index(activity)
