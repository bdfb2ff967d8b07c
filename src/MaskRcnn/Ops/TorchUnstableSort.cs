namespace MaskRcnn.Ops;

/// <summary>
/// The tie order of torch 1.13's CPU <c>sort(descending=True)</c> without <c>stable</c>: libstdc++'s
/// <c>std::sort</c> (introsort with median-of-three pivots, heapsort past the depth limit, final insertion sort
/// in runs of 16) over (value, index) pairs compared by value only. torchvision's per-class batched NMS orders
/// its result with that sort, so equal scores come out in this (deterministic, not index) order; checked
/// against torch 1.13 by the batched-NMS fixtures.
/// </summary>
static class TorchUnstableSort
{
    const int Threshold = 16;

    /// <summary>Permutation of positions 0..n-1 ordering <paramref name="values"/> descending, ties as std::sort leaves them.</summary>
    public static int[] DescendingOrder(ReadOnlySpan<double> values)
    {
        var items = new Item[values.Length];
        for (int k = 0; k < items.Length; k++) items[k] = new Item(values[k], k);
        int n = items.Length;
        if (n > 1)
        {
            IntrosortLoop(items, 0, n, 2 * FloorLog2(n));
            FinalInsertionSort(items, 0, n);
        }
        var order = new int[n];
        for (int k = 0; k < n; k++) order[k] = items[k].Position;
        return order;
    }

    readonly record struct Item(double Value, int Position);

    // torch's KeyValueCompDesc: NaN sorts first, otherwise greater values first.
    static bool Before(in Item a, in Item b) => (double.IsNaN(a.Value) && !double.IsNaN(b.Value)) || a.Value > b.Value;

    static int FloorLog2(int n) => 31 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);

    static void IntrosortLoop(Item[] v, int first, int last, int depthLimit)
    {
        while (last - first > Threshold)
        {
            if (depthLimit == 0)
            {
                HeapSort(v, first, last);
                return;
            }
            depthLimit--;
            int cut = UnguardedPartitionPivot(v, first, last);
            IntrosortLoop(v, cut, last, depthLimit);
            last = cut;
        }
    }

    static int UnguardedPartitionPivot(Item[] v, int first, int last)
    {
        int mid = first + (last - first) / 2;
        MoveMedianToFirst(v, first, first + 1, mid, last - 1);
        return UnguardedPartition(v, first + 1, last, first);
    }

    static void MoveMedianToFirst(Item[] v, int result, int a, int b, int c)
    {
        if (Before(v[a], v[b]))
        {
            if (Before(v[b], v[c])) Swap(v, result, b);
            else if (Before(v[a], v[c])) Swap(v, result, c);
            else Swap(v, result, a);
        }
        else if (Before(v[a], v[c])) Swap(v, result, a);
        else if (Before(v[b], v[c])) Swap(v, result, c);
        else Swap(v, result, b);
    }

    static int UnguardedPartition(Item[] v, int first, int last, int pivot)
    {
        while (true)
        {
            while (Before(v[first], v[pivot])) first++;
            last--;
            while (Before(v[pivot], v[last])) last--;
            if (first >= last) return first;
            Swap(v, first, last);
            first++;
        }
    }

    static void FinalInsertionSort(Item[] v, int first, int last)
    {
        if (last - first > Threshold)
        {
            InsertionSort(v, first, first + Threshold);
            for (int i = first + Threshold; i < last; i++) UnguardedLinearInsert(v, i);
        }
        else InsertionSort(v, first, last);
    }

    static void InsertionSort(Item[] v, int first, int last)
    {
        for (int i = first + 1; i < last; i++)
        {
            if (Before(v[i], v[first]))
            {
                var value = v[i];
                Array.Copy(v, first, v, first + 1, i - first);
                v[first] = value;
            }
            else UnguardedLinearInsert(v, i);
        }
    }

    static void UnguardedLinearInsert(Item[] v, int last)
    {
        var value = v[last];
        int next = last - 1;
        while (Before(value, v[next]))
        {
            v[last] = v[next];
            last = next--;
        }
        v[last] = value;
    }

    // std::__partial_sort(first, last, last): make_heap then sort_heap.
    static void HeapSort(Item[] v, int first, int last)
    {
        int len = last - first;
        if (len >= 2)
            for (int parent = (len - 2) / 2; ; parent--)
            {
                AdjustHeap(v, first, parent, len, v[first + parent]);
                if (parent == 0) break;
            }
        while (last - first > 1)
        {
            last--;
            var value = v[last];
            v[last] = v[first];
            AdjustHeap(v, first, 0, last - first, value);
        }
    }

    static void AdjustHeap(Item[] v, int first, int hole, int len, Item value)
    {
        int top = hole, child = hole;
        while (child < (len - 1) / 2)
        {
            child = 2 * (child + 1);
            if (Before(v[first + child], v[first + child - 1])) child--;
            v[first + hole] = v[first + child];
            hole = child;
        }
        if ((len & 1) == 0 && child == (len - 2) / 2)
        {
            child = 2 * (child + 1);
            v[first + hole] = v[first + child - 1];
            hole = child - 1;
        }
        int parent = (hole - 1) / 2;
        while (hole > top && Before(v[first + parent], value))
        {
            v[first + hole] = v[first + parent];
            hole = parent;
            parent = (hole - 1) / 2;
        }
        v[first + hole] = value;
    }

    static void Swap(Item[] v, int a, int b) => (v[a], v[b]) = (v[b], v[a]);
}
