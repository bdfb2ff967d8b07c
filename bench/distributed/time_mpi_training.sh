#!/usr/bin/env bash
# Seconds per iteration of data-parallel training on one machine: 2 MPI ranks × 1 thread × batch 1 against
# 1 process × 2 threads × batch 2 (the same global batch of 2), on the demo's shapes data and small R18-FPN model
# with FrozenBatchNorm (what distributed runs use). Usage: bench/distributed/time_mpi_training.sh [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations=${1:-40}
dotnet build src/MaskRcnn.Cli -c Release -v q -nologo >/dev/null
cli=src/MaskRcnn.Cli/bin/Release/net10.0/maskrcnn.dll
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The demo only to generate its data (it trains for about a second).
dotnet "$cli" demo --images 200 --val-images 1 --image-size 128 --minutes 0.02 --overlays 0 -o "$work/demo" >/dev/null 2>&1
# DemoCommand.SmallConfig(128) with FrozenBatchNorm.
cat > "$work/config.json" <<'JSON'
{
  "NumClasses": 4,
  "Backbone": { "Depth": 18, "TrainableLayers": 5, "Norm": "FrozenBatchNorm", "FpnOutChannels": 64 },
  "Transform": { "MinSize": [128], "MaxSize": 128 },
  "Rpn": { "AnchorSizes": [[16], [32], [64], [128], [256]], "PreNmsTopNTrain": 600, "PostNmsTopNTrain": 300, "PreNmsTopNTest": 300, "PostNmsTopNTest": 100 },
  "RoiHeads": { "BatchSizePerImage": 128, "RepresentationSize": 256, "MaskLayers": [64, 64, 64, 64], "MaskDimReduced": 64 }
}
JSON
train=(train --train-images "$work/demo/data/train/images" --train-annotations "$work/demo/data/train/annotations.json"
  --config "$work/config.json" --iterations "$iterations" --workers 1 --log-every 1 --checkpoint-every 0)
per_iteration() { # seconds per iteration from the metrics log, iterations 11.. (after warm-up)
  awk -F'"time":' 'NR==10 {split($2,a,/[,}]/); t0=a[1]} {split($2,a,/[,}]/); t=a[1]; n=NR} END {printf "%.3f", (t-t0)/(n-10)}' "$1/metrics.jsonl"
}
OMP_NUM_THREADS=2 dotnet "$cli" "${train[@]}" --batch-size 2 --threads 2 -o "$work/one" >/dev/null
# Open MPI busy-polls while a rank waits in the all-reduce; yielding leaves that core to the other rank on a busy machine.
for yield in 0 1; do
  OMP_NUM_THREADS=1 OMPI_MCA_btl=self,vader OMPI_MCA_mpi_yield_when_idle=$yield mpirun --allow-run-as-root --oversubscribe --bind-to none -np 2 \
    dotnet "$cli" "${train[@]}" --batch-size 1 --threads 1 -o "$work/two-$yield" >/dev/null
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "1 process x 2 threads, batch 2: $(per_iteration "$work/one") s/iteration"
echo "2 ranks x 1 thread, batch 1 each: $(per_iteration "$work/two-0") s/iteration (busy-polling), $(per_iteration "$work/two-1") s/iteration (mpi_yield_when_idle=1)"
